// @ts-check
/**
 * A TypeDoc plugin: every property of a named interface or class of the public surface needs a
 * TSDoc comment. TypeDoc's own `notDocumented` check (with `Property` in `requiredToBeDocumented`)
 * would also ask for one on every property of an anonymous object type, and zod's inferred types
 * expand into such objects at each place they are used (thousands of copies of the schema fields);
 * those are documented once, on the schema, so this check leaves anonymous object types alone.
 */
import { Application, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    if (!app.options.getValue('validation').notDocumented) return;
    const packages = app.options.getValue('packagesRequiringDocumentation');
    for (const reflection of project.getReflectionsByKind(ReflectionKind.Property)) {
      if (reflection.hasComment()) continue;
      const parent = reflection.parent;
      if (parent === undefined || !parent.kindOf(ReflectionKind.Interface | ReflectionKind.Class)) continue;
      const symbol = project.getSymbolIdFromReflection(reflection);
      if (symbol === undefined || !packages.includes(symbol.packageName)) continue;
      app.logger.validationWarning(
        `${reflection.getFriendlyFullName()} (Property), defined in ${symbol.packageName}/${symbol.packagePath}, does not have any documentation`,
      );
    }
  });
}
