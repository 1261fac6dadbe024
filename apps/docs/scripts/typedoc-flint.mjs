/**
 * TypeDoc plugin for Flint's API reference.
 *
 * - Names each entry point's module after the import specifier a user writes
 *   (`@flint/core/backend`, not TypeDoc's path-derived `core/src/backend`); a module that is not in
 *   ENTRY_NAMES is an error, so a new entry point cannot slip in under a path name.
 * - Documents guarded exports as the functions they are. Core exports its public functions
 *   guarded (`export const tensor = guard(sig(…), cr.tensor)`, check/guarded/*.ts): TypeDoc sees a
 *   variable whose type is the implementation's signature. It renders the implementation's TSDoc
 *   (it sits on that signature), but lists the export under "Variables" and its validation
 *   reports the variable itself as undocumented. A variable whose type is nothing but call
 *   signatures becomes a function carrying those signatures — what TypeDoc does on its own for
 *   `export const f = () => …` — so the comment counts and the page says "Function".
 * - Documents the properties of a table's entries from the table's type: in
 *   `const T = { a: { kind: 'x' }, … } as const satisfies Record<string, { kind: … }>`, an entry's
 *   `kind` without a comment of its own gets the comment of `kind` in the type it satisfies
 *   (core's PRIMS), so the schema is documented once rather than on every entry.
 */
import ts from 'typescript';
import { Comment, Converter, ReflectionFlag, ReflectionKind, ReflectionType } from 'typedoc';

/** TypeDoc's default module name (the entry's path below the common root) → import specifier. */
export const ENTRY_NAMES = {
  'core/src': '@flint/core',
  'core/src/node': '@flint/core/node',
  'core/src/backend': '@flint/core/backend',
  'backend-cpu/src': '@flint/backend-cpu',
  'backend-native/src': '@flint/backend-native',
  'backend-gpujs/src': '@flint/backend-gpujs',
  'conformance/src': '@flint/conformance',
  'conformance/src/harness/vitest': '@flint/conformance/vitest',
};

/** @param {import('typedoc').ProjectReflection} project */
function variablesAsFunctions(project) {
  for (const v of project.getReflectionsByKind(ReflectionKind.Variable)) {
    if (!(v.type instanceof ReflectionType)) continue;
    const decl = v.type.declaration;
    const pure = decl.signatures?.length && !decl.children?.length && !decl.indexSignatures?.length;
    if (!pure) continue;
    v.kind = ReflectionKind.Function;
    v.setFlag(ReflectionFlag.Const, false);
    v.signatures = decl.signatures;
    for (const s of v.signatures) {
      s.parent = v;
      s.name = v.name;
    }
    decl.signatures = undefined;
    v.type = undefined;
    v.defaultValue = undefined;
    project.removeReflection(decl);
  }
}

/**
 * The comment of a property of an object literal's contextual type (what it `satisfies` or is
 * assigned to), or null. Of a union, the member the literal is assignable to (the one its `kind`
 * discriminates) that documents a property of that name.
 * @param {import('typedoc').Context} context
 * @param {import('typedoc').DeclarationReflection} reflection
 */
function contextualComment(context, reflection) {
  const symbol = context.getSymbolFromReflection(reflection);
  const decl = symbol?.declarations?.[0];
  if (!decl || !ts.isPropertyAssignment(decl) || !ts.isObjectLiteralExpression(decl.parent))
    return null;
  const type = context.checker.getContextualType(decl.parent);
  if (!type) return null;
  const literal = context.checker.getTypeAtLocation(decl.parent);
  for (const member of type.isUnion() ? type.types : [type]) {
    if (!context.checker.isTypeAssignableTo(literal, member)) continue;
    const prop = member.getProperty(reflection.name);
    const text = prop && ts.displayPartsToString(prop.getDocumentationComment(context.checker));
    if (text) return text;
  }
  return null;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(
    Converter.EVENT_CREATE_DECLARATION,
    (context, reflection) => {
      if (reflection.comment || reflection.kind !== ReflectionKind.Property) return;
      const text = contextualComment(context, reflection);
      if (text) reflection.comment = new Comment([{ kind: 'text', text }]);
    },
    // after TypeDoc's own comment plugin, so a property's own comment wins
    -100,
  );
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    variablesAsFunctions(context.project);
    for (const mod of context.project.children ?? []) {
      const name = ENTRY_NAMES[mod.name];
      // A single-entry run (the validation test's fixture) has no module level to rename.
      if (name) mod.name = name;
      else if (Object.keys(ENTRY_NAMES).length && mod.kind === 2 /* Module */)
        app.logger.error(`typedoc-flint: no import name for the entry module '${mod.name}'`);
    }
  });
}
