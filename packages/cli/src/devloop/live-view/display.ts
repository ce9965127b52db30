/**
 * Puts the live view on a stream: on a TTY, the whole screen redrawn in place (alternate screen, so
 * the shell's scrollback is left as it was); otherwise one timestamped line per change. Redraws are
 * batched, so a burst of watch events costs one frame.
 */
import { describeChanges, renderScreen } from './render.js';
import type { LiveViewState } from './state.js';

/** Options of {@link LiveView}. */
export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  /** Redraw in place (true) or print change lines (false). */
  tty: boolean;
  /** Colours (TTY without NO_COLOR). */
  colour: boolean;
  /** Time between frames at most. Default 100 ms. */
  frameMs?: number;
  /** The clock (tests). */
  now?: () => Date;
}

const MAX_LOGS = 50;

/** The live view of one `opkit dev` session. */
export class LiveView {
  private state: LiveViewState;
  private shown: LiveViewState;
  private timer: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    initial: LiveViewState,
    private readonly options: LiveViewOptions,
  ) {
    this.state = structuredClone(initial);
    this.shown = structuredClone(initial);
  }

  /** Starts drawing. */
  start(): void {
    this.active = true;
    if (this.options.tty) this.options.stream.write('\u001b[?1049h\u001b[?25l');
    this.flush();
  }

  /** Changes the state and schedules a frame. */
  update(change: (state: LiveViewState) => void): void {
    change(this.state);
    this.schedule();
  }

  /** An operator log line, shown under the view (TTY only: elsewhere the caller prints logs itself). */
  log(line: string): void {
    this.state.logs.push(line);
    if (this.state.logs.length > MAX_LOGS) this.state.logs.splice(0, this.state.logs.length - MAX_LOGS);
    this.schedule();
  }

  /** The current state (a copy). */
  current(): LiveViewState {
    return structuredClone(this.state);
  }

  private schedule(): void {
    if (!this.active || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.options.frameMs ?? 100);
  }

  private flush(): void {
    const { stream, tty } = this.options;
    if (tty) {
      const height = stream.rows || 40;
      const frame = renderScreen(this.state, {
        colour: this.options.colour,
        width: stream.columns || 100,
        maxLogs: Math.max(3, height - 30),
      });
      stream.write(`\u001b[H\u001b[2J${frame}\n`);
    } else {
      for (const line of describeChanges(this.shown, this.state, (this.options.now ?? (() => new Date()))()))
        stream.write(`${line}\n`);
    }
    this.shown = structuredClone(this.state);
  }

  /** Draws the last frame (or change lines) and, on a TTY, gives the screen back. */
  stop(): void {
    if (!this.active) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.options.tty) this.options.stream.write('\u001b[?25h\u001b[?1049l');
    else this.flush();
    this.active = false;
  }
}
