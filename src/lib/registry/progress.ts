/**
 * The progress spinner shown on a terminal while a registry is fetched.
 *
 * It does not print by itself: the command hands in the function that
 * writes to stderr, and decides whether a spinner is wanted at all (a
 * terminal, not --json). The line is cleared when the spinner stops.
 */

/** The frames, one per tick. */
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const

/** Starts a spinner showing `text`; returns the function that stops it and clears its line. */
export function startSpinner(text: string, write: (chunk: string) => void, intervalMs = 80): () => void {
  let frame = 0
  const render = () => write(`\r${SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length]} ${text}`)
  render()
  const timer = setInterval(render, intervalMs)
  timer.unref()
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    write('\r\u001B[K')
  }
}
