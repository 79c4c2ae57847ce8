/**
 * A subscription turned into the queries that serve it. The subscription's one root field names
 * what to follow; its selection is what every event carries. The gateway resolves that selection
 * through the supergraph as an ordinary query, so an event may hold fields of several subgraphs:
 *
 *   subscription { productStockChanged(productId: $p) { title variants { quantityAvailable } } }
 *   -> query { productStockChanged: product(id: $liveId) { title variants { quantityAvailable } } }
 *
 * (the root keeps the subscription's response key, so the query's data is the event as it is).
 * The plan also says who sees what (`visibility`): subscribers with the same selection, variables
 * and visibility share one query per event.
 */
import { createHash } from 'node:crypto';
import {
  GraphQLError,
  Kind,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import { errors } from '../../../common/errors';
import { anonymous, type RequestIdentity } from '../../../common/identity';

export type LiveKind = 'product' | 'order' | 'feed';

export interface LivePlan {
  kind: LiveKind;
  /** The product or order followed; null for the order feed. */
  entityId: string | null;
  /** The subscription field's response key (its alias or name). */
  responseKey: string;
  /** Run on each event, with `$liveId` the event's product or order. */
  eventQuery: string;
  /** Run at subscribe time: the current state (the feed: the newest order). */
  initialQuery: string;
  /** The subscription's own variables that the queries use, coerced. */
  variables: Record<string, unknown>;
  /** The variable that carries the event's id. */
  idVariable: string;
  /** Who the queries run as (a group's subscribers all see the same). */
  visibility: string;
  identity: RequestIdentity;
  /** Same key: same queries, variables and visibility, so one query per event serves all. */
  key: string;
}

const FIELDS: Record<string, { kind: LiveKind; argument: string | null }> = {
  productStockChanged: { kind: 'product', argument: 'productId' },
  orderStatusChanged: { kind: 'order', argument: 'id' },
  orderPlaced: { kind: 'feed', argument: null },
};

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;

function fragmentsUsed(
  selection: SelectionSetNode,
  document: DocumentNode,
): FragmentDefinitionNode[] {
  const all = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) all.set(d.name.value, d);
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: (SelectionSetNode | FragmentDefinitionNode)[] = [selection];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!node) break;
    visit(node, {
      FragmentSpread(spread) {
        const fragment = all.get(spread.name.value);
        if (fragment && !found.has(fragment.name.value)) {
          found.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}

function variablesUsed(nodes: readonly (FieldNode | FragmentDefinitionNode)[]): Set<string> {
  const used = new Set<string>();
  for (const node of nodes)
    visit(node, {
      Variable(variable) {
        used.add(variable.name.value);
      },
    });
  return used;
}

/** `query <Name>Live($liveId: ID!, …) { <key>: <field>(<arg>: $liveId) { … } }` */
function buildQuery(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  root: FieldNode,
  responseKey: string,
  target: { field: string; argument: string; wrapInNodes: boolean; idVariable: string },
): { text: string; used: Set<string> } {
  const selectionSet = root.selectionSet as SelectionSetNode;
  const inner: FieldNode = target.wrapInNodes
    ? {
        kind: Kind.FIELD,
        alias: name(responseKey),
        name: name(target.field),
        arguments: [
          { kind: Kind.ARGUMENT, name: name('first'), value: { kind: Kind.INT, value: '1' } },
        ],
        directives: root.directives,
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [{ kind: Kind.FIELD, name: name('nodes'), selectionSet }],
        },
      }
    : {
        kind: Kind.FIELD,
        alias: name(responseKey),
        name: name(target.field),
        arguments: [
          {
            kind: Kind.ARGUMENT,
            name: name(target.argument),
            value: { kind: Kind.VARIABLE, name: name(target.idVariable) },
          },
        ],
        directives: root.directives,
        selectionSet,
      };
  const fragments = fragmentsUsed(selectionSet, document);
  const used = variablesUsed([inner, ...fragments]);
  const definitions: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((v) =>
    used.has(v.variable.name.value),
  );
  if (!target.wrapInNodes)
    definitions.push({
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: name(target.idVariable) },
      type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } },
    });
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: name(`${operation.name?.value ?? 'Subscription'}Live`),
    variableDefinitions: definitions,
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [inner] },
  };
  return {
    text: print({ kind: Kind.DOCUMENT, definitions: [query, ...fragments] }),
    used: new Set([...used].filter((v) => v !== target.idVariable)),
  };
}

function visibilityOf(kind: LiveKind, identity: RequestIdentity): [string, RequestIdentity] {
  const viewer = identity.viewer;
  const admin = viewer.kind === 'user' && viewer.isAdmin;
  // Catalog data is public: every shopper who is not an admin shares one query, run anonymously.
  if (kind === 'product') return admin ? ['admin', identity] : ['public', anonymous];
  if (admin) return ['admin', identity];
  return viewer.kind === 'user' ? [`user:${viewer.sub}`, identity] : ['anonymous', identity];
}

const validationFailed = (list: readonly GraphQLError[]) =>
  list.map((e) => errors.validationFailed(e.message));

/** The plan of a subscription, or the errors that refuse it (nothing runs then). */
export function planSubscription(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | null | undefined,
  identity: RequestIdentity,
): LivePlan | GraphQLError[] {
  if (operation.operation !== 'subscription')
    return [
      errors.badRequest(
        'Only subscriptions are served here; send queries and mutations over HTTP to /graphql.',
      ),
    ];
  const invalid = validate(schema, document, specifiedRules);
  if (invalid.length > 0) return validationFailed(invalid);
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) return coerced.errors.map((e) => errors.badUserInput(e.message));
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD || !root.selectionSet)
    return [errors.badRequest('A subscription selects one field, directly at its root.')];
  const field = FIELDS[root.name.value];
  const definition = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field || !definition) return [errors.badRequest('Not a subscription this gateway serves.')];

  const viewer = identity.viewer;
  if (field.kind === 'feed' && viewer.kind !== 'user')
    return [errors.unauthenticated('Sign in as an admin to follow the order feed.')];
  if (field.kind === 'feed' && viewer.kind === 'user' && !viewer.isAdmin)
    return [errors.forbidden('Only admins may follow the order feed.')];

  const args = getArgumentValues(definition, root, coerced.coerced);
  const entityId = field.argument ? String(args[field.argument]) : null;
  const responseKey = root.alias?.value ?? root.name.value;
  const taken = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  let idVariable = 'liveId';
  for (let i = 1; taken.has(idVariable); i++) idVariable = `liveId${i}`;
  const target = {
    field: field.kind === 'product' ? 'product' : 'order',
    argument: 'id',
    wrapInNodes: false,
    idVariable,
  };
  const event = buildQuery(operation, document, root, responseKey, target);
  const initial =
    field.kind === 'feed'
      ? buildQuery(operation, document, root, responseKey, {
          ...target,
          field: 'orders',
          wrapInNodes: true,
        })
      : event;
  const variables: Record<string, unknown> = {};
  for (const used of new Set([...event.used, ...initial.used]))
    if (used in coerced.coerced) variables[used] = coerced.coerced[used];
  const [visibility, runAs] = visibilityOf(field.kind, identity);
  const key = createHash('sha256')
    .update(JSON.stringify([field.kind, entityId, event.text, variables, visibility]))
    .digest('base64url');
  return {
    kind: field.kind,
    entityId,
    responseKey,
    eventQuery: event.text,
    initialQuery: initial.text,
    variables,
    idVariable,
    visibility,
    identity: runAs,
    key,
  };
}
