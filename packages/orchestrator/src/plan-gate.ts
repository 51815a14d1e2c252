import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HyperionError } from '@hyperion/schema';

/** One problem of a plan, with the 1-based line it is about. */
export interface PlanProblem {
  /** The 1-based line of the plan the problem is on. */
  line: number;
  /** What is wrong, in one sentence. */
  message: string;
}

/** A plan (WORKPLAN.md format) as read from its `## Plan Metadata`, and what is wrong with it. */
export interface PlanCheck {
  /** The file read. */
  file: string;
  /** True when the plan has no problem: it may dispatch. */
  ok: boolean;
  /** True when a line of the plan matches the approval pattern. */
  approved: boolean;
  /** The `Approval pattern` as written (a POSIX ERE), when given. */
  approvalPattern: string | null;
  /** The `Required sections`. */
  requiredSections: string[];
  /** The `Validation policy` commands, in order. */
  validationPolicy: string[];
  /** Every `## ` section, with the line of its heading. */
  sections: Array<{ name: string; line: number }>;
  /** Every problem found, in line order. */
  problems: PlanProblem[];
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\s',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

/**
 * Translates a POSIX extended regular expression into a JavaScript one: bracket classes such as
 * `[[:space:]]` become `[\s]`. Throws `invalid_input` for an unknown class or a pattern that does
 * not compile.
 */
export function posixPatternToRegExp(pattern: string): RegExp {
  const translated = pattern.replace(/\[:([a-z]+):\]/g, (whole, name: string) => {
    const replacement = POSIX_CLASSES[name];
    if (replacement === undefined) {
      throw new HyperionError('invalid_input', `unknown POSIX character class '${whole}'`);
    }
    return replacement;
  });
  try {
    return new RegExp(translated);
  } catch (error) {
    throw new HyperionError('invalid_input', `invalid pattern '${pattern}': ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function sectionBodies(lines: string[], sections: Array<{ name: string; line: number }>) {
  return sections.map((section, index) => {
    const end = sections[index + 1]?.line ?? lines.length + 1;
    return { ...section, body: lines.slice(section.line, end - 1) };
  });
}

function splitList(value: string, separator: string): string[] {
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Checks the text of a plan; `file` only names it in the result. */
export function checkPlanText(text: string, file: string): PlanCheck {
  const lines = text.split(/\r?\n/);
  const problems: PlanProblem[] = [];
  const sections = lines.flatMap((line, index) => {
    const match = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    return match === null ? [] : [{ name: match[1]!, line: index + 1 }];
  });
  const bodies = sectionBodies(lines, sections);
  const metadata = bodies.find((section) => section.name.toLowerCase() === 'plan metadata');
  const fields = new Map<string, { value: string; line: number }>();
  if (metadata === undefined) {
    problems.push({ line: 1, message: "no '## Plan Metadata' section" });
  } else {
    metadata.body.forEach((line, index) => {
      const match = /^\s*[-*]?\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$/.exec(line);
      if (match !== null) {
        fields.set(match[1]!.toLowerCase(), { value: match[2]!.trim(), line: metadata.line + index + 1 });
      }
    });
  }
  const metadataLine = metadata?.line ?? 1;
  const field = (name: string) => {
    const found = fields.get(name.toLowerCase());
    if (found === undefined && metadata !== undefined) {
      problems.push({ line: metadataLine, message: `Plan Metadata has no '${name}:' line` });
    }
    return found;
  };

  const requiredField = field('Required sections');
  const requiredSections = splitList(requiredField?.value ?? '', ',');
  if (requiredField !== undefined && requiredSections.length === 0) {
    problems.push({ line: requiredField.line, message: 'Required sections is empty' });
  }
  for (const name of requiredSections) {
    const section = bodies.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (section === undefined) {
      problems.push({
        line: requiredField!.line,
        message: `required section '${name}' is missing (no '## ${name}' heading)`,
      });
    } else if (section.body.every((line) => line.trim() === '')) {
      problems.push({ line: section.line, message: `required section '${name}' is empty` });
    }
  }

  const policyField = field('Validation policy');
  const validationPolicy = splitList(policyField?.value ?? '', ';');
  if (policyField !== undefined && validationPolicy.length === 0) {
    problems.push({ line: policyField.line, message: 'Validation policy is empty: no check command' });
  }

  const patternField = field('Approval pattern');
  let approved = false;
  if (patternField !== undefined && patternField.value === '') {
    problems.push({ line: patternField.line, message: 'Approval pattern is empty' });
  } else if (patternField !== undefined) {
    let pattern: RegExp | undefined;
    try {
      pattern = posixPatternToRegExp(patternField.value);
    } catch (error) {
      problems.push({ line: patternField.line, message: (error as Error).message });
    }
    if (pattern !== undefined) {
      const approval = bodies.find((section) => section.name.toLowerCase() === 'approval');
      const candidates =
        approval === undefined
          ? lines.map((line, index) => ({ line, number: index + 1 }))
          : approval.body.map((line, index) => ({ line, number: approval.line + index + 1 }));
      approved = candidates.some(
        (candidate) => candidate.number !== patternField.line && pattern.test(candidate.line.trimEnd()),
      );
      if (!approved) {
        problems.push({
          line: approval?.line ?? patternField.line,
          message: `the plan is not approved: no line${approval === undefined ? '' : ' of ## Approval'} matches the approval pattern ${patternField.value}`,
        });
      }
    }
  }
  problems.sort((left, right) => left.line - right.line);
  return {
    file,
    ok: problems.length === 0,
    approved,
    approvalPattern: patternField?.value ?? null,
    requiredSections,
    validationPolicy,
    sections,
    problems,
  };
}

/** Reads and checks a plan file; an unreadable file is an `invalid_input` error naming it. */
export function checkPlanFile(file: string): PlanCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HyperionError('invalid_input', `cannot read plan ${file}: ${(error as Error).message}`, {
      cause: error,
      details: { file },
    });
  }
  return checkPlanText(text, file);
}

/** One line per problem: `file:line: message`. */
export function formatPlanProblems(check: PlanCheck): string[] {
  return check.problems.map((problem) => `${check.file}:${problem.line}: ${problem.message}`);
}

/**
 * The dispatch gate: reads the configured plan (relative to the repository root) and throws
 * `invalid_input` listing every problem when it is unapproved or incomplete. Returns the check
 * (its validation policy becomes the default checks), or undefined when no plan is configured.
 */
export function requireApprovedPlan(
  repositoryRoot: string,
  plan: { file: string } | undefined,
): PlanCheck | undefined {
  if (plan === undefined) return undefined;
  const file = isAbsolute(plan.file) ? plan.file : resolve(repositoryRoot, plan.file);
  const check = checkPlanFile(file);
  if (!check.ok) {
    throw new HyperionError(
      'invalid_input',
      `the plan ${plan.file} blocks dispatch: ${formatPlanProblems({ ...check, file: plan.file }).join('; ')}`,
      { details: { file: plan.file, problems: check.problems } },
    );
  }
  return check;
}
