import { printable } from '@hyperion/schema';

/**
 * Cuts `text` to at most `width` characters, ending with an ellipsis when cut. Runs of white space
 * become one space and any other control character is shown as visible text (ESC as `\x1b`).
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const singleLine = printable(text.replace(/\s+/g, ' '));
  if (singleLine.length <= width) return singleLine;
  return width === 1 ? '…' : `${singleLine.slice(0, width - 1)}…`;
}

/** Pads or cuts `text` to exactly `width` characters (a table cell). */
export function cell(text: string, width: number): string {
  return truncate(text, width).padEnd(Math.max(0, width));
}

/** A short human duration: `850ms`, `4.2s`, `3m 05s`, `2h 10m`. */
export function formatDuration(milliseconds: number | null): string {
  if (milliseconds === null) return '—';
  if (milliseconds < 1_000) return `${Math.round(milliseconds)}ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)}s`;
  const minutes = Math.floor(milliseconds / 60_000);
  if (minutes < 60)
    return `${minutes}m ${String(Math.floor((milliseconds % 60_000) / 1_000)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A ratio as a whole percentage, or a dash when unknown. */
export function formatPercent(ratio: number | null): string {
  return ratio === null ? '—' : `${Math.round(ratio * 100)}%`;
}

/** A rate per minute with two decimals. */
export function formatRate(perMinute: number): string {
  return `${perMinute.toFixed(2)}/min`;
}

/** The time of day (UTC would confuse a person at a terminal, so local time). */
export function formatClock(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toLocaleTimeString('en-GB', { hour12: false });
}
