/**
 * `kustomize build` for the kustomizations in deploy/, without the kustomize binary. It implements
 * the part of kustomize those files use, the way kustomize does it, and refuses everything else:
 * a field it does not know stops the build, so a kustomization can never use a feature that the
 * tests silently skip.
 *
 * Supported: `resources` (files under the kustomization's directory, or directories holding a
 * kustomization), `namespace`, `images`, `patches` with a target and a JSON 6902 patch (from `path`
 * or inline `patch`), and `configMapGenerator` / `secretGenerator` with `literals` and `envs` and
 * `options.disableNameSuffixHash: true`. Applied in kustomize's order: resources, generators,
 * patches, namespace, images.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { parse, parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface BuildOptions {
  /**
   * Reads a file the kustomization names; the default reads it from disk. Lets a test stand in a
   * committed example for a file that is never committed (an env file of secrets).
   */
  readFile?: (path: string) => string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Kinds without a namespace; the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'PersistentVolume',
  'PriorityClass',
  'StorageClass',
]);

export class KustomizeError extends Error {
  constructor(dir: string, problem: string) {
    super(`${dir}: ${problem}`);
    this.name = 'KustomizeError';
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function only(dir: string, what: string, value: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new KustomizeError(dir, `${what}: field "${key}" is not supported by this build`);
    }
  }
}

function strings(dir: string, what: string, value: Json | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new KustomizeError(dir, `${what} must be a list of strings`);
  }
  return value;
}

function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

/** kustomize's default load restriction: files must sit in or below the kustomization root. */
function fileUnder(dir: string, entry: string): string {
  const path = resolve(dir, entry);
  const rel = relative(dir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new KustomizeError(dir, `${entry} is outside the kustomization's directory`);
  }
  return path;
}

function asKubeObject(dir: string, source: string, doc: unknown): KubeObject {
  if (
    !isObject(doc) ||
    typeof doc.apiVersion !== 'string' ||
    typeof doc.kind !== 'string' ||
    !isObject(doc.metadata) ||
    typeof doc.metadata.name !== 'string'
  ) {
    throw new KustomizeError(
      dir,
      `${source}: every document needs apiVersion, kind and metadata.name`,
    );
  }
  return doc as unknown as KubeObject;
}

function readObjects(dir: string, path: string, read: (path: string) => string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(read(path))) {
    if (doc.errors.length > 0) {
      throw new KustomizeError(dir, `${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(asKubeObject(dir, path, value));
  }
  return objects;
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `KEY=VALUE` from a generator's literal; quotes around the value are dropped, as kustomize does. */
function keyValue(dir: string, line: string): [string, string] {
  const at = line.indexOf('=');
  if (at <= 0) throw new KustomizeError(dir, `"${line}" is not KEY=VALUE`);
  const key = line.slice(0, at);
  let value = line.slice(at + 1);
  if (value.length >= 2 && /^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
  return [key, value];
}

/** An env file: KEY=VALUE lines; blank lines and lines starting with # are skipped. */
function envFile(dir: string, text: string): [string, string][] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimStart())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      if (at <= 0) throw new KustomizeError(dir, `env file line "${line}" is not KEY=VALUE`);
      return [line.slice(0, at), line.slice(at + 1)];
    });
}

function generate(
  dir: string,
  kind: 'ConfigMap' | 'Secret',
  spec: Json,
  read: (path: string) => string,
): { object: KubeObject; behavior: string } {
  const what = kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
  if (!isObject(spec)) throw new KustomizeError(dir, `${what} entries must be objects`);
  only(dir, what, spec, ['name', 'namespace', 'behavior', 'literals', 'envs', 'options', 'type']);
  if (typeof spec.name !== 'string') throw new KustomizeError(dir, `${what} needs a name`);
  const behavior = spec.behavior ?? 'create';
  if (typeof behavior !== 'string' || !['create', 'merge', 'replace'].includes(behavior)) {
    throw new KustomizeError(
      dir,
      `${what} ${spec.name}: behavior must be create, merge or replace`,
    );
  }
  // The hash suffix (and renaming every reference to it) is not implemented: ask for no suffix.
  const options = spec.options;
  if (!isObject(options) || options.disableNameSuffixHash !== true) {
    throw new KustomizeError(
      dir,
      `${what} ${spec.name}: set options.disableNameSuffixHash: true (name suffixes are not supported by this build)`,
    );
  }
  only(dir, `${what} ${spec.name} options`, options, ['disableNameSuffixHash']);
  if (kind === 'ConfigMap' && spec.type !== undefined) {
    throw new KustomizeError(dir, `${what} ${spec.name}: type is for Secrets`);
  }
  const pairs: [string, string][] = [
    ...strings(dir, `${what} ${spec.name} envs`, spec.envs).flatMap((f) =>
      envFile(dir, read(fileUnder(dir, f))),
    ),
    ...strings(dir, `${what} ${spec.name} literals`, spec.literals).map((l) => keyValue(dir, l)),
  ];
  const data: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key in data) throw new KustomizeError(dir, `${what} ${spec.name}: key ${key} given twice`);
    data[key] = kind === 'Secret' ? Buffer.from(value, 'utf8').toString('base64') : value;
  }
  const metadata: KubeObject['metadata'] = { name: spec.name };
  if (typeof spec.namespace === 'string') metadata.namespace = spec.namespace;
  const object: KubeObject = { apiVersion: 'v1', kind, metadata, data };
  if (kind === 'Secret') object.type = typeof spec.type === 'string' ? spec.type : 'Opaque';
  return { object, behavior };
}

function applyGenerated(
  dir: string,
  objects: KubeObject[],
  generated: KubeObject,
  behavior: string,
): void {
  const matches = objects.filter(
    (o) =>
      o.kind === generated.kind &&
      o.metadata.name === generated.metadata.name &&
      (generated.metadata.namespace === undefined ||
        o.metadata.namespace === generated.metadata.namespace),
  );
  if (behavior === 'create') {
    if (matches.length > 0) {
      throw new KustomizeError(
        dir,
        `${idOf(generated)} already exists; use behavior merge or replace`,
      );
    }
    objects.push(generated);
    return;
  }
  if (matches.length !== 1) {
    throw new KustomizeError(dir, `${idOf(generated)} does not exist; cannot merge or replace`);
  }
  const [existing] = matches;
  const namespace = existing.metadata.namespace;
  if (behavior === 'replace') {
    objects[objects.indexOf(existing)] = {
      ...generated,
      metadata: { ...generated.metadata, ...(namespace ? { namespace } : {}) },
    };
    return;
  }
  // merge: the generated keys win; labels and annotations of the existing object stay.
  if (existing.stringData !== undefined) {
    throw new KustomizeError(
      dir,
      `${idOf(existing)} has stringData: merging into it is not supported`,
    );
  }
  const before = isObject(existing.data as Json) ? (existing.data as Record<string, string>) : {};
  existing.data = { ...before, ...(generated.data as Record<string, string>) };
}

function patchTargets(dir: string, objects: KubeObject[], target: Json): KubeObject[] {
  if (!isObject(target)) throw new KustomizeError(dir, 'a patch needs a target');
  only(dir, 'patch target', target, ['kind', 'name', 'namespace', 'group', 'version']);
  const matches = objects.filter((o) => {
    const [group, version] = o.apiVersion.includes('/')
      ? o.apiVersion.split('/')
      : ['', o.apiVersion];
    return (
      (target.kind === undefined || target.kind === o.kind) &&
      (target.name === undefined || target.name === o.metadata.name) &&
      (target.namespace === undefined || target.namespace === o.metadata.namespace) &&
      (target.group === undefined || target.group === group) &&
      (target.version === undefined || target.version === version)
    );
  });
  // kustomize lets a patch that matches nothing pass; a typo in a target then goes unnoticed.
  if (matches.length === 0) {
    throw new KustomizeError(dir, `patch target ${JSON.stringify(target)} matches nothing`);
  }
  return matches;
}

function applyPatches(
  dir: string,
  objects: KubeObject[],
  patches: Json,
  read: (path: string) => string,
): void {
  if (!Array.isArray(patches)) throw new KustomizeError(dir, 'patches must be a list');
  for (const entry of patches) {
    if (!isObject(entry)) throw new KustomizeError(dir, 'patches entries must be objects');
    only(dir, 'patch', entry, ['path', 'patch', 'target']);
    const text =
      typeof entry.path === 'string'
        ? read(fileUnder(dir, entry.path))
        : typeof entry.patch === 'string'
          ? entry.patch
          : undefined;
    if (text === undefined) throw new KustomizeError(dir, 'a patch needs path or patch');
    const operations: unknown = parse(text);
    if (!Array.isArray(operations)) {
      throw new KustomizeError(
        dir,
        `${entry.path ?? 'inline patch'}: only JSON 6902 patches (a list of operations) are supported`,
      );
    }
    for (const object of patchTargets(dir, objects, entry.target)) {
      try {
        // validate: true makes an operation on a path that is not there an error, as in kustomize.
        applyPatch(object, operations as Operation[], true, true);
      } catch (error) {
        throw new KustomizeError(
          dir,
          `${entry.path ?? 'inline patch'} on ${idOf(object)}: ${(error as Error).message}`,
        );
      }
    }
  }
}

function setNamespace(objects: KubeObject[], namespace: string): void {
  for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
}

/** `name[:tag][@digest]` -> its parts; a colon before the last slash belongs to a registry port. */
function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@');
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  }
  return { name: rest, digest };
}

function visitContainers(value: unknown, visit: (container: JsonObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visitContainers(item, visit);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
      for (const container of child) if (isObject(container)) visit(container);
    } else {
      visitContainers(child, visit);
    }
  }
}

function setImages(dir: string, objects: KubeObject[], images: Json): void {
  if (!Array.isArray(images)) throw new KustomizeError(dir, 'images must be a list');
  for (const entry of images) {
    if (!isObject(entry) || typeof entry.name !== 'string') {
      throw new KustomizeError(dir, 'images entries need a name');
    }
    only(dir, `image ${entry.name}`, entry, ['name', 'newName', 'newTag', 'digest']);
    const { name, newName, newTag, digest } = entry;
    for (const object of objects) {
      visitContainers(object, (container) => {
        if (typeof container.image !== 'string') return;
        const current = splitImage(container.image);
        if (current.name !== name) return;
        const image = typeof newName === 'string' ? newName : current.name;
        if (typeof digest === 'string') container.image = `${image}@${digest}`;
        else if (typeof newTag === 'string') container.image = `${image}:${newTag}`;
        else {
          container.image = `${image}${current.tag ? `:${current.tag}` : ''}${
            current.digest ? `@${current.digest}` : ''
          }`;
        }
      });
    }
  }
}

/** The objects `kustomize build <dir>` prints, in the order of the resources. */
export function kustomizeBuild(dir: string, options: BuildOptions = {}): KubeObject[] {
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const root = resolve(dir);
  const file = kustomizationFile(root);
  if (!file) throw new KustomizeError(root, 'no kustomization.yaml');
  const kustomization: unknown = parse(read(file));
  if (!isObject(kustomization)) throw new KustomizeError(root, 'kustomization.yaml is empty');
  only(root, 'kustomization', kustomization, [
    'apiVersion',
    'kind',
    'namespace',
    'resources',
    'images',
    'patches',
    'configMapGenerator',
    'secretGenerator',
  ]);
  if (
    kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1' ||
    kustomization.kind !== 'Kustomization'
  ) {
    throw new KustomizeError(
      root,
      'expected apiVersion kustomize.config.k8s.io/v1beta1, Kustomization',
    );
  }

  const objects: KubeObject[] = [];
  for (const entry of strings(root, 'resources', kustomization.resources)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('github.com/')) {
      throw new KustomizeError(root, `${entry}: remote resources are not supported`);
    }
    const path = resolve(root, entry);
    const found =
      existsSync(path) && statSync(path).isDirectory()
        ? kustomizeBuild(path, options)
        : readObjects(root, fileUnder(root, entry), read);
    for (const object of found) {
      if (objects.some((o) => idOf(o) === idOf(object))) {
        throw new KustomizeError(root, `${idOf(object)} is defined twice`);
      }
      objects.push(object);
    }
  }
  for (const [key, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    const specs = kustomization[key];
    if (specs === undefined) continue;
    if (!Array.isArray(specs)) throw new KustomizeError(root, `${key} must be a list`);
    for (const spec of specs) {
      const { object, behavior } = generate(root, kind, spec, read);
      applyGenerated(root, objects, object, behavior);
    }
  }
  if (kustomization.patches !== undefined) {
    applyPatches(root, objects, kustomization.patches, read);
  }
  if (kustomization.namespace !== undefined) {
    if (typeof kustomization.namespace !== 'string') {
      throw new KustomizeError(root, 'namespace must be a string');
    }
    setNamespace(objects, kustomization.namespace);
  }
  if (kustomization.images !== undefined) setImages(root, objects, kustomization.images);
  return objects;
}
