// Summaries the bench scripts print: the median and the range of a few timed runs.

/** The median; for an even count, the mean of the middle two. */
export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** `median [min-max]`, each through `fmt`; `unit` follows the median. */
export function stat(xs, fmt, unit = '') {
  return `${fmt(median(xs))}${unit} [${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}]`;
}
