import { createContext, useContext } from 'react';

/** Whether the dashboard paints colors (false under `NO_COLOR`). */
export const ColorsContext = createContext(true);

/**
 * True unless `NO_COLOR` is set to a non-empty value (https://no-color.org): the dashboard then
 * draws no color at all, and marks the selection and focus with characters and inverse video.
 */
export function colorsWanted(environment: NodeJS.ProcessEnv = process.env): boolean {
  const value = environment['NO_COLOR'];
  return value === undefined || value === '';
}

/** A function that returns `color`, or undefined when colors are off. */
export function usePaint(): (color: string | undefined) => string | undefined {
  const enabled = useContext(ColorsContext);
  return (color) => (enabled ? color : undefined);
}
