/**
 * The tags of a cached response: the entities it holds and the lists it shows, so that a change
 * purges exactly the responses it affects.
 *
 * - Entities, found by walking the response along the operation with the schema's types:
 *   `product:<id>` for each Product, `variant:<id>` for each ProductVariant, `category:<slug>` for
 *   each Category. A response holding one of them without its key is not tagged (and so not
 *   stored): nothing could purge it.
 * - Lists, from the root fields: what a change can add to or reorder (`listing:<category>` for a
 *   category's listing, `listing` for the whole catalog and a product not found, `search` for
 *   searches, `categories` for the product counts, `bestsellers` for recommendations).
 *
 * Tag values are URL-encoded: they travel in headers and in the store's entry format.
 */
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type DocumentNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import type { StoreEvent } from '../../common/store-events';

const tag = (kind: string, value: string) => `${kind}:${encodeURIComponent(value)}`;

/** Entity types, and the field that identifies each in a tag. */
const ENTITIES: Record<string, { kind: string; key: string }> = {
  Product: { kind: 'product', key: 'id' },
  ProductVariant: { kind: 'variant', key: 'id' },
  Category: { kind: 'category', key: 'slug' },
};

/** What a root field's answer lists, which changes elsewhere can add to or reorder. */
const ROOT_LISTS: Record<string, (args: Record<string, unknown>) => string[]> = {
  products: (args) => {
    const slug = (args.filter as { categorySlug?: unknown } | undefined)?.categorySlug;
    return typeof slug === 'string' ? [tag('listing', slug)] : ['listing'];
  },
  categories: () => ['categories'],
  category: () => ['categories'],
  search: () => ['search'],
  predictiveSearch: () => ['search'],
  recommendedProducts: () => ['bestsellers'],
};

/** The tags a store event purges. */
export function purgeTagsOf(event: StoreEvent): string[] {
  switch (event.type) {
    case 'product.changed':
      return [
        tag('product', event.productId),
        ...event.variantIds.map((id) => tag('variant', id)),
        ...event.categorySlugs.map((slug) => tag('listing', slug)),
        'listing',
        'categories',
        'search',
      ];
    case 'stock.changed':
      return [
        ...event.productIds.map((id) => tag('product', id)),
        ...event.variantIds.map((id) => tag('variant', id)),
      ];
    case 'order.changed':
      return event.placed ? ['bestsellers'] : [];
  }
}

/**
 * The search index follows the catalog's change feed on its own, up to a second or so after the
 * event: a search answered meanwhile is the old one. Searches are purged again at these delays
 * after a product changes.
 */
export const INDEX_CATCH_UP_MS = [1_500, 3_000];

/** The tags to purge again once the search index has caught up with the event. */
export function laterPurgeTagsOf(event: StoreEvent): string[] {
  return event.type === 'product.changed' ? ['search'] : [];
}

class Untaggable extends Error {}

/**
 * The tags of `data`, the result of `operation`; null when an entity in it cannot be identified
 * (its key was not selected, or an abstract type came without `__typename`).
 */
export function tagsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  data: Record<string, unknown>,
): string[] | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  const tags = new Set<string>();
  const root = schema.getQueryType();
  if (!root || operation.operation !== 'query') return null;

  const applies = (condition: string | undefined, type: GraphQLObjectType) => {
    if (!condition || condition === type.name) return true;
    const named = schema.getType(condition);
    return named !== undefined && isAbstractType(named) && schema.isSubType(named, type);
  };

  const walkSelections = (
    selectionSet: SelectionSetNode,
    type: GraphQLObjectType,
    value: Record<string, unknown>,
    atRoot: boolean,
  ): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value, type))
          walkSelections(selection.selectionSet, type, value, atRoot);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && applies(fragment.typeCondition.name.value, type))
          walkSelections(fragment.selectionSet, type, value, atRoot);
        continue;
      }
      const name = selection.name.value;
      const field = type.getFields()[name];
      if (!field) continue; // __typename
      const child = value[selection.alias?.value ?? name];
      if (atRoot) {
        const lists = ROOT_LISTS[name];
        if (lists)
          for (const t of lists(getArgumentValues(field, selection, variables))) tags.add(t);
        if (child === null) tags.add('listing'); // not found: a change may create it
      }
      const named = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(named) && child !== null)
        walkValue(selection.selectionSet, named, child);
    }
  };

  const walkValue = (
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    value: unknown,
  ): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) walkValue(selectionSet, type, item);
      return;
    }
    const object = value as Record<string, unknown>;
    const runtime = isObjectType(type)
      ? type
      : typeof object.__typename === 'string'
        ? schema.getType(object.__typename)
        : undefined;
    if (!runtime || !isObjectType(runtime)) throw new Untaggable();
    const entity = ENTITIES[runtime.name];
    if (entity) {
      const key = object[entity.key];
      if (typeof key !== 'string') throw new Untaggable();
      tags.add(tag(entity.kind, key));
    }
    walkSelections(selectionSet, runtime, object, false);
  };

  try {
    walkSelections(operation.selectionSet, root, data, true);
  } catch (error) {
    if (error instanceof Untaggable) return null;
    throw error;
  }
  return [...tags];
}
