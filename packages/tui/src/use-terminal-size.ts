import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** A terminal's size in columns and rows. */
export interface TerminalSize {
  /** Columns. */
  columns: number;
  /** Rows. */
  rows: number;
}

function sizeOf(stream: NodeJS.WriteStream): TerminalSize {
  return { columns: stream.columns || 80, rows: stream.rows || 24 };
}

/** The output's size, updated when the terminal is resized (80×24 when unknown). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const update = () => setSize(sizeOf(stdout));
    stdout.on('resize', update);
    return () => {
      stdout.off('resize', update);
    };
  }, [stdout]);
  return size;
}
