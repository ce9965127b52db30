/**
 * `$(VAR)` expansion of command, args and env values, as the kubelet does it
 * (k8s.io/kubernetes third_party/forked/golang/expansion/expand.go): `$(NAME)` becomes the variable's
 * value when it is defined and stays as written otherwise; `$$` is an escaped `$`.
 */
export function expandVariables(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // an unterminated reference is kept as written
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = name ? lookup(name) : undefined;
      out += value ?? `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}
