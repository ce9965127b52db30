import type { ContainerRuntime } from './types.js';

/** An image pattern: a glob where `*` matches any run of characters, or a regular expression. */
export type ImagePattern = string | RegExp;

/** Whether `image` matches `pattern` (a glob's `*` matches anything, including `/` and `:`). */
export function imageMatches(pattern: ImagePattern, image: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(image);
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(image);
}

/**
 * Chooses the runtime of a container by its image: the first registered pattern that matches
 * wins; images nothing matches go to the fallback runtime.
 */
export class RuntimeRegistry {
  private readonly entries: { pattern: ImagePattern; runtime: ContainerRuntime }[] = [];

  /** @param fallback the runtime for images no pattern matches. */
  constructor(private fallback: ContainerRuntime) {}

  /** Routes images matching `pattern` to `runtime` (earlier registrations take precedence). */
  register(pattern: ImagePattern, runtime: ContainerRuntime): this {
    this.entries.push({ pattern, runtime });
    return this;
  }

  /** Replaces the runtime for unmatched images. */
  setFallback(runtime: ContainerRuntime): this {
    this.fallback = runtime;
    return this;
  }

  /** The runtime for an image. */
  resolve(image: string): ContainerRuntime {
    return this.entries.find((e) => imageMatches(e.pattern, image))?.runtime ?? this.fallback;
  }
}
