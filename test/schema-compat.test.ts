/**
 * The public schema (schema/api.graphql) does not break its clients by accident. A breaking
 * change against the baseline (below) fails CI unless schema/deliberate-changes.json lists it with
 * a reason. Breaking, as @graphql-inspector/core's `diff` judges it: a removed field, type or enum
 * value, an output type made nullable, an argument or input field made required, and the like.
 *
 * The baseline is the schema as committed before the change being checked:
 * - on a branch (HEAD not contained in main): the schema at the merge-base with main, so only the
 *   branch's own changes count, not what landed on main since it forked;
 * - on main (CI runs on a fresh clone of main with the change already committed): the schema
 *   before the last change to it on main's first-parent line: the first parent of the newest
 *   first-parent commit that touched schema/api.graphql, which for a merge is main before the
 *   merge. Until the schema changes again, CI keeps checking that same change, so its deliberate
 *   entries stay valid;
 * - either way, a schema/api.graphql changed but not committed is checked against HEAD.
 * The deliberate list holds the breaking changes of the change being checked: when the schema has
 * changed against the baseline, an entry that matches none of its breaking changes is stale and
 * fails the check, so entries of an earlier change are removed with the next one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSchema,
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { projectPath } from '../common/paths';

const SCHEMA = 'schema/api.graphql';
const DELIBERATE = 'schema/deliberate-changes.json';

interface DeliberateChange {
  /** The inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** The inspector's path of the change, e.g. Product.title. */
  path: string;
  /** Why clients can live with it (and how they were told). */
  reason: string;
  /** The inspector's message, for the reader; not matched. */
  message?: string;
}

interface Baseline {
  /** The commit whose schema/api.graphql is compared against, or null: nothing to compare. */
  commit: string | null;
  rule: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

function gitOk(cwd: string, args: string[]): boolean {
  try {
    git(cwd, args);
    return true;
  } catch {
    return false;
  }
}

/** The commit to compare the working tree's schema/api.graphql against; see the file comment. */
function schemaBaseline(cwd: string): Baseline {
  if (git(cwd, ['rev-parse', '--is-shallow-repository']) === 'true') {
    throw new Error(
      'the clone is shallow: the schema check needs the history of schema/api.graphql ' +
        '(clone without --depth, or fetch with --unshallow)',
    );
  }
  const main = ['main', 'origin/main'].find((ref) =>
    gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]),
  );
  const uncommitted = !gitOk(cwd, ['diff', '--quiet', 'HEAD', '--', SCHEMA]);
  const onMain = !main || gitOk(cwd, ['merge-base', '--is-ancestor', 'HEAD', main]);
  if (!onMain) {
    return {
      commit: git(cwd, ['merge-base', 'HEAD', main]),
      rule: `the merge-base of HEAD and ${main}`,
    };
  }
  if (uncommitted)
    return { commit: git(cwd, ['rev-parse', 'HEAD']), rule: 'HEAD (uncommitted change)' };
  const last = git(cwd, ['log', '-1', '--first-parent', '--format=%H', 'HEAD', '--', SCHEMA]);
  if (!last || !gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${last}^1`])) {
    return { commit: null, rule: 'none: the schema has no earlier version' };
  }
  return {
    commit: git(cwd, ['rev-parse', `${last}^1`]),
    rule: `the parent of ${last.slice(0, 12)}, the last change to ${SCHEMA} on ${main ?? 'HEAD'}`,
  };
}

function schemaAt(cwd: string, commit: string): GraphQLSchema | null {
  try {
    return buildSchema(git(cwd, ['show', `${commit}:${SCHEMA}`]));
  } catch {
    return null;
  }
}

const matches = (entry: DeliberateChange, change: Change) =>
  entry.type === change.type && entry.path === (change.path ?? change.message);

/** The breaking changes from `before` to `after`, and which of them are listed as deliberate. */
async function checkCompatibility(
  before: GraphQLSchema,
  after: GraphQLSchema,
  deliberate: readonly DeliberateChange[],
) {
  const changes = await diff(before, after);
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  return {
    changes,
    breaking,
    unlisted: breaking.filter((c) => !deliberate.some((d) => matches(d, c))),
    stale: changes.length > 0 ? deliberate.filter((d) => !breaking.some((c) => matches(d, c))) : [],
  };
}

function readDeliberate(): DeliberateChange[] {
  const file = JSON.parse(readFileSync(projectPath(DELIBERATE), 'utf8')) as {
    changes?: DeliberateChange[];
  };
  return file.changes ?? [];
}

// ---------------------------------------------------------------------------------------------

const current = () => readFileSync(projectPath(SCHEMA), 'utf8');

/** The current schema with one definition changed through `edit`. */
function edited(edit: (document: DocumentNode) => DocumentNode): GraphQLSchema {
  return buildSchema(print(edit(parse(current()))));
}

const removeField = (type: string, field: string) =>
  edited((doc) =>
    visit(doc, {
      FieldDefinition(node, _key, _parent, _path, ancestors) {
        const owner = ancestors[ancestors.length - 1];
        const ownerName = owner && 'kind' in owner && 'name' in owner ? owner.name : undefined;
        return ownerName?.value === type && node.name.value === field ? null : undefined;
      },
    }),
  );

const makeNullable = (type: string, field: string) =>
  edited((doc) =>
    visit(doc, {
      ObjectTypeDefinition(node) {
        if (node.name.value !== type) return undefined;
        return {
          ...node,
          fields: node.fields?.map((f) =>
            f.name.value === field && f.type.kind === Kind.NON_NULL_TYPE
              ? { ...f, type: f.type.type }
              : f,
          ),
        };
      },
    }),
  );

const removeEnumValue = (type: string, value: string) =>
  edited((doc) =>
    visit(doc, {
      EnumTypeDefinition(node) {
        if (node.name.value !== type) return undefined;
        return { ...node, values: node.values?.filter((v) => v.name.value !== value) };
      },
    }),
  );

const makeArgumentRequired = (type: string, field: string, argument: string) =>
  edited((doc) =>
    visit(doc, {
      ObjectTypeDefinition(node) {
        if (node.name.value !== type) return undefined;
        return {
          ...node,
          fields: node.fields?.map((f) =>
            f.name.value !== field
              ? f
              : {
                  ...f,
                  arguments: f.arguments?.map((a) =>
                    a.name.value === argument && a.type.kind !== Kind.NON_NULL_TYPE
                      ? {
                          ...a,
                          defaultValue: undefined,
                          type: { kind: Kind.NON_NULL_TYPE, type: a.type },
                        }
                      : a,
                  ),
                },
          ),
        };
      },
    }),
  );

describe('the public schema', () => {
  it('has no breaking change against its baseline unless it is listed as deliberate', async () => {
    const cwd = projectPath();
    const baseline = schemaBaseline(cwd);
    const before = baseline.commit ? schemaAt(cwd, baseline.commit) : null;
    if (!before) return; // the first version of the schema: nothing to break
    const deliberate = readDeliberate();
    const { unlisted, stale } = await checkCompatibility(
      before,
      buildSchema(current()),
      deliberate,
    );
    const report = unlisted.map((c) => ({
      type: c.type,
      path: c.path ?? c.message,
      message: c.message,
      reason: `say why this is safe for clients, or undo it (baseline: ${baseline.rule})`,
    }));
    // To ship a breaking change on purpose, add the entry to schema/deliberate-changes.json.
    expect({ breakingChangesNotListed: report }).toEqual({ breakingChangesNotListed: [] });
    // Entries that match no breaking change of this change belong to an earlier one.
    expect({ staleDeliberateChanges: stale }).toEqual({ staleDeliberateChanges: [] });
  });

  it('lists each deliberate breaking change once, with the reason', () => {
    const deliberate = readDeliberate();
    for (const entry of deliberate) {
      expect(entry).toMatchObject({
        type: expect.stringMatching(/^[A-Z_]+$/),
        path: expect.stringMatching(/\S/),
        reason: expect.stringMatching(/\S{3}/),
      });
      expect(
        Object.keys(entry).filter((k) => !['type', 'path', 'reason', 'message'].includes(k)),
      ).toEqual([]);
    }
    const keys = deliberate.map((d) => `${d.type} ${d.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the breaking-change check', () => {
  const schema = () => buildSchema(current());
  const found = async (after: GraphQLSchema) =>
    (await checkCompatibility(schema(), after, [])).unlisted.map((c) => [c.type, c.path]);

  it('passes the schema against itself', async () => {
    expect(await checkCompatibility(schema(), schema(), [])).toMatchObject({
      changes: [],
      unlisted: [],
    });
  });

  it('catches a removed field', async () => {
    expect(await found(removeField('Product', 'title'))).toContainEqual([
      'FIELD_REMOVED',
      'Product.title',
    ]);
  });

  it('catches a field made nullable', async () => {
    expect(await found(makeNullable('Product', 'title'))).toEqual([
      ['FIELD_TYPE_CHANGED', 'Product.title'],
    ]);
  });

  it('catches a removed enum value', async () => {
    expect(await found(removeEnumValue('ProductSort', 'PRICE_DESC'))).toEqual([
      ['ENUM_VALUE_REMOVED', 'ProductSort.PRICE_DESC'],
    ]);
  });

  it('catches an argument made required', async () => {
    expect(await found(makeArgumentRequired('Query', 'products', 'filter'))).toEqual([
      ['FIELD_ARGUMENT_TYPE_CHANGED', 'Query.products.filter'],
    ]);
  });

  it('lets through an added field', async () => {
    const added = buildSchema(
      current().replace(/^type Query \{/m, 'type Query {\n  """New."""\n  ping: Boolean\n'),
    );
    const result = await checkCompatibility(schema(), added, []);
    expect(result.changes.map((c) => [c.type, c.path])).toContainEqual([
      'FIELD_ADDED',
      'Query.ping',
    ]);
    expect(result.breaking).toEqual([]);
  });

  it('lets through a breaking change listed as deliberate, and only that one', async () => {
    const listed = [
      { type: 'ENUM_VALUE_REMOVED', path: 'ProductSort.PRICE_DESC', reason: 'no client sends it' },
    ];
    const removed = removeEnumValue('ProductSort', 'PRICE_DESC');
    expect(await checkCompatibility(schema(), removed, listed)).toMatchObject({
      unlisted: [],
      stale: [],
    });
    const alsoNullable = makeNullable('Product', 'title');
    const other = await checkCompatibility(schema(), alsoNullable, listed);
    expect(other.unlisted.map((c) => c.type)).toEqual(['FIELD_TYPE_CHANGED']);
    expect(other.stale).toEqual(listed);
  });
});

describe('the baseline', () => {
  let repo: string;
  const run = (...args: string[]) => git(repo, args);
  const commitSchema = (sdl: string, message: string) => {
    writeFileSync(join(repo, SCHEMA), sdl);
    run('add', '-A');
    run('commit', '-q', '-m', message);
    return run('rev-parse', 'HEAD');
  };
  const commitOther = (message: string) => {
    writeFileSync(join(repo, 'README.md'), message);
    run('add', '-A');
    run('commit', '-q', '-m', message);
    return run('rev-parse', 'HEAD');
  };

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'schema-baseline-'));
    run('init', '-q', '-b', 'main');
    run('config', 'user.name', 'Storefront CI');
    run('config', 'user.email', 'ci@example.com');
    run('config', 'commit.gpgsign', 'false');
    mkdirSync(join(repo, 'schema'));
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('is nothing for the first version of the schema', () => {
    commitSchema('type Query { a: Int }', 'first');
    expect(schemaBaseline(repo).commit).toBeNull();
  });

  it('on main, is the schema before its last change, also after commits that leave it alone', () => {
    const v1 = commitSchema('type Query { a: Int }', 'v1');
    commitSchema('type Query { a: Int b: Int }', 'v2');
    expect(schemaBaseline(repo).commit).toBe(v1);
    commitOther('docs');
    expect(schemaBaseline(repo).commit).toBe(v1);
  });

  it('on main after a merge, is main before the merge', () => {
    commitSchema('type Query { a: Int }', 'v1');
    const beforeMerge = commitOther('main moves on');
    run('checkout', '-q', '-b', 'feature', 'HEAD~1');
    commitSchema('type Query { a: Int b: Int }', 'feature: b');
    commitSchema('type Query { a: Int b: Int c: Int }', 'feature: c');
    run('checkout', '-q', 'main');
    run('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    expect(schemaBaseline(repo).commit).toBe(beforeMerge);
  });

  it('on a branch, is the merge-base with main, whatever main did since', () => {
    const fork = commitSchema('type Query { a: Int }', 'v1');
    run('checkout', '-q', '-b', 'feature');
    commitSchema('type Query { a: Int b: Int }', 'feature: b');
    run('checkout', '-q', 'main');
    commitSchema('type Query { a: Int z: Int }', 'main: z');
    run('checkout', '-q', 'feature');
    expect(schemaBaseline(repo).commit).toBe(fork);
  });

  it('is HEAD for an uncommitted change on main', () => {
    commitSchema('type Query { a: Int }', 'v1');
    const head = commitSchema('type Query { a: Int b: Int }', 'v2');
    writeFileSync(join(repo, SCHEMA), 'type Query { a: Int b: Int c: Int }');
    expect(schemaBaseline(repo).commit).toBe(head);
  });

  it('refuses a shallow clone, which has not the history to compare with', () => {
    commitSchema('type Query { a: Int }', 'v1');
    commitSchema('type Query { a: Int b: Int }', 'v2');
    const shallow = mkdtempSync(join(tmpdir(), 'schema-shallow-'));
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow]);
      expect(() => schemaBaseline(shallow)).toThrow(/shallow/);
    } finally {
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});
