/**
 * Input that no store accepts, refused at the edge as BAD_USER_INPUT instead of failing deep in
 * a subgraph: a NUL character in any string (PostgreSQL rejects it in text), and an ID or slug
 * longer than a store key allows (DynamoDB sort keys hold 1,024 bytes; 255 characters are at
 * most 1,020 bytes of UTF-8, and no id or slug of ours comes near).
 */
import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';

export const MAX_KEY_LENGTH = 255;

/** Ids, and strings whose name says they are a slug (`slug`, `categorySlug`, `categorySlugs`). */
function isKey(type: GraphQLInputType, name: string): boolean {
  const named = getNamedType(type);
  return named.name === 'ID' || (named.name === 'String' && /(^s|S)lugs?$/.test(name));
}

function problem(name: string, text: string, key: boolean): string | null {
  if (text.includes('\u0000')) return `${name} contains a NUL character.`;
  if (key && text.length > MAX_KEY_LENGTH)
    return `${name} is longer than ${MAX_KEY_LENGTH} characters.`;
  return null;
}

/** Checks a variable's value against its declared input type. */
function checkValue(
  value: unknown,
  type: GraphQLInputType | undefined,
  name: string,
  label: string,
): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string')
    return problem(label, value, type !== undefined && isKey(type, name));
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (Array.isArray(value)) {
    const item = inner && isListType(inner) ? inner.ofType : inner;
    for (const element of value) {
      const found = checkValue(element, item, name, label);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object') {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      const found = checkValue(field, fields[key]?.type, key, `${label}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** The first problem with the request's variables, or null. */
export function checkVariables(
  schema: GraphQLSchema | null,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): string | null {
  if (!variables) return null;
  const types = new Map<string, GraphQLInputType | undefined>();
  for (const definition of operation.variableDefinitions ?? []) {
    const type = schema ? typeFromAST(schema, definition.type) : undefined;
    types.set(definition.variable.name.value, type as GraphQLInputType | undefined);
  }
  for (const [name, value] of Object.entries(variables)) {
    const found = checkValue(value, types.get(name), name, `Variable $${name}`);
    if (found) return found;
  }
  return null;
}

/** The first problem with the string literals an ad-hoc document holds, or null. */
export function checkLiterals(schema: GraphQLSchema | null, document: DocumentNode): string | null {
  let found: string | null = null;
  const check = (value: ValueNode, type: GraphQLInputType | null | undefined, name: string) => {
    if (found) return;
    if (value.kind === Kind.STRING)
      found = problem(`Argument ${name}`, value.value, !!type && isKey(type, name));
    else if (value.kind === Kind.LIST) for (const item of value.values) check(item, type, name);
  };
  if (!schema) {
    visit(document, {
      StringValue(node) {
        if (!found && node.value.includes('\u0000')) found = 'A string contains a NUL character.';
      },
    });
    return found;
  }
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        check(node.value, typeInfo.getInputType(), node.name.value);
      },
      ObjectField(node) {
        check(node.value, typeInfo.getInputType(), node.name.value);
      },
    }),
  );
  return found;
}
