import { Row, Section } from './section.js';

/** Props of {@link GuidancePane}. */
export interface GuidancePaneProps {
  /** What to do next, most urgent first. */
  guidance: readonly string[];
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
}

/** What to do next, each line naming the key: "2 changes await approval — a to approve". */
export function GuidancePane({ guidance, width, rows }: GuidancePaneProps) {
  const shown = guidance.slice(0, rows);
  return (
    <Section title="Next" width={width} rows={rows} color="cyan">
      {guidance.length === 0 && rows > 0 ? <Row dim>nothing to do</Row> : null}
      {shown.map((line) => (
        <Row key={line} color="cyan">{`→ ${line}`}</Row>
      ))}
    </Section>
  );
}
