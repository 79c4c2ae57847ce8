/**
 * The deployment artefacts in deploy/ are valid and agree with the code: the Kubernetes manifests
 * (built from their kustomizations, validated against the Kubernetes schema), the ECS task
 * definitions and the CloudWatch alarms and dashboard. The settings they give each service are the
 * ones its config.ts reads, and they load.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kind, parse as parseGraphql } from 'graphql';
import ts from 'typescript';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigError } from '../common/config';
import { projectPath } from '../common/paths';
import { loadGatewayConfig } from '../gateway/src/config';
import { loadCartConfig } from '../subgraphs/cart/src/config';
import { loadNotificationConfig } from '../subgraphs/order/src/outbox';
import { loadOrderConfig } from '../subgraphs/order/src/config';
import { loadProductConfig } from '../subgraphs/product/src/config';
import { subgraphRegistry } from '../subgraphs/registry';
import { loadSearchConfig } from '../subgraphs/search/src/config';
import { loadUserConfig } from '../subgraphs/user/src/config';
import { kustomizeBuild, KustomizeError, type KubeObject } from './support/kustomize';

type Env = Record<string, string | undefined>;

const deployPath = (...parts: string[]) => projectPath('deploy', ...parts);
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

// ---------------------------------------------------------------------------------------------
// What the code says each service is

const NAMESPACE = 'storefront';
const METRICS_PORTS: Record<string, number> = {
  gateway: 9400,
  product: 9401,
  order: 9402,
  user: 9403,
  cart: 9404,
  search: 9405,
};

interface ServiceInfo {
  name: string;
  port: number;
  entry: string;
  /** The file that starts it, where its config loaders are called. */
  main: string;
  loaders: ((source: Env) => unknown)[];
}

const loadersOf: Record<string, ((source: Env) => unknown)[]> = {
  gateway: [loadGatewayConfig],
  product: [loadProductConfig],
  order: [loadOrderConfig, loadNotificationConfig],
  user: [loadUserConfig],
  cart: [loadCartConfig],
  search: [loadSearchConfig],
};

const services: ServiceInfo[] = [
  { name: 'gateway', port: 4000, entry: 'dist/gateway/src/main.js', main: 'gateway/src/main.ts' },
  ...subgraphRegistry.map((s) => ({
    name: s.name,
    port: s.port,
    entry: s.entry,
    main: `subgraphs/${s.name}/src/main.ts`,
  })),
].map((s) => ({ ...s, loaders: loadersOf[s.name] ?? [] }));

const reindex = {
  name: 'search-reindex',
  entry: 'dist/subgraphs/search/src/reindex.js',
  main: 'subgraphs/search/src/reindex.ts',
  loaders: [loadSearchConfig],
};

/**
 * Variables the manifests set that no config.ts reads, with who reads them. Each is checked to
 * be read there, or to be still ahead of the code.
 */
const readOutsideConfig: Record<string, string> = {
  LOG_LEVEL: 'common/logger.ts',
  METRICS_PORT: 'common/observability.ts',
  METRICS_FORMAT: 'common/observability.ts',
  NODE_OPTIONS: 'Node.js itself',
  OTEL_SERVICE_NAME: 'common/tracing-init.ts (tracing)',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'common/tracing-init.ts and the OpenTelemetry SDK (tracing)',
};
/** Set for work that has not landed yet; the test fails once the code reads them, to move them. */
const aheadOfCode: Record<string, string> = {};

/** How long a service takes at most to stop after SIGTERM (common/shutdown.ts). */
function drainSeconds(): number {
  const source = readFileSync(projectPath('common', 'shutdown.ts'), 'utf8');
  const match = /timeoutMs = ([\d_]+)/.exec(source);
  if (!match)
    throw new Error('common/shutdown.ts: no default timeoutMs to read the drain time from');
  return Number(match[1].replace(/_/g, '')) / 1000;
}

function operationNames(): Set<string> {
  const names = new Set<string>();
  const dir = projectPath('schema', 'operations');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
    for (const node of parseGraphql(readFileSync(join(dir, file), 'utf8')).definitions) {
      if (node.kind === Kind.OPERATION_DEFINITION && node.name) names.add(node.name.value);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Building and validating

/** secrets.env is never committed; its committed example stands in for it. */
function readWithExample(path: string): string {
  if (path === deployPath('overlays', 'production', 'secrets.env') && !existsSync(path)) {
    return readFileSync(`${path}.example`, 'utf8');
  }
  return readFileSync(path, 'utf8');
}

const build = (...dir: string[]) =>
  kustomizeBuild(deployPath(...dir), { readFile: readWithExample });

interface ModelClass {
  new (data: never): { validate(): void };
}
/** apiVersion/kind -> its kubernetes-models class and the interface the TypeScript check uses. */
const models: Record<string, { model: ModelClass; type: string }> = {
  'v1/Namespace': { model: Namespace, type: `import('kubernetes-models/v1/Namespace').INamespace` },
  'v1/ConfigMap': { model: ConfigMap, type: `import('kubernetes-models/v1/ConfigMap').IConfigMap` },
  'v1/Secret': { model: Secret, type: `import('kubernetes-models/v1/Secret').ISecret` },
  'v1/Service': { model: Service, type: `import('kubernetes-models/v1/Service').IService` },
  'v1/ServiceAccount': {
    model: ServiceAccount,
    type: `import('kubernetes-models/v1/ServiceAccount').IServiceAccount`,
  },
  'apps/v1/Deployment': {
    model: Deployment,
    type: `import('kubernetes-models/apps/v1/Deployment').IDeployment`,
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    type: `import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler').IHorizontalPodAutoscaler`,
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    type: `import('kubernetes-models/policy/v1/PodDisruptionBudget').IPodDisruptionBudget`,
  },
  'batch/v1/Job': { model: Job, type: `import('kubernetes-models/batch/v1/Job').IJob` },
  'networking.k8s.io/v1/Ingress': {
    model: Ingress,
    type: `import('kubernetes-models/networking.k8s.io/v1/Ingress').IIngress`,
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    type: `import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').INetworkPolicy`,
  },
};

const modelOf = (o: KubeObject) => models[`${o.apiVersion}/${o.kind}`];
const label = (o: KubeObject) => `${o.kind} ${o.metadata.name}`;

/** The schema check of kubernetes-models: types, required fields, formats. */
function schemaErrors(objects: KubeObject[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const entry = modelOf(object);
    if (!entry) {
      errors.push(`${label(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new entry.model(object as never).validate();
    } catch (error) {
      errors.push(`${label(object)}: ${(error as Error).message}`);
    }
  }
  return errors;
}

interface Typed {
  label: string;
  type: string;
  value: unknown;
}

/**
 * Type-checks values against TypeScript interfaces (the Kubernetes models', the AWS SDK's) as
 * object literals. What the schema check lets through, this finds: a misspelt or unknown field
 * anywhere (`readinesProbe`), which `kubectl apply` and the AWS APIs reject.
 */
function typeErrors(values: Typed[]): string[] {
  const file = projectPath('test', '__deploy_types__.ts');
  const lines: string[] = [];
  const starts: { line: number; label: string }[] = [];
  values.forEach((v, i) => {
    starts.push({ line: lines.length, label: v.label });
    lines.push(
      ...`export const value${i}: ${v.type} = ${JSON.stringify(v.value, null, 2)};`.split('\n'),
    );
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === file
      ? ts.createSourceFile(name, text, languageVersion)
      : getSourceFile(name, languageVersion, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line;
      const owner = [...starts].reverse().find((s) => s.line <= line);
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
      return `${owner?.label ?? '?'} (line ${line - (owner?.line ?? 0) + 1}): ${message}`;
    });
}

// ---------------------------------------------------------------------------------------------
// Reading the objects

const deployments = (objects: KubeObject[]) =>
  objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & KubeObject)[];
const jobs = (objects: KubeObject[]) =>
  objects.filter((o) => o.kind === 'Job') as unknown as (IJob & KubeObject)[];
const find = <T>(objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as unknown as
    (T & KubeObject) | undefined;

function podSpec(workload: IDeployment | IJob): IPodSpec {
  const spec = workload.spec?.template.spec;
  if (!spec) throw new Error(`${workload.metadata?.name}: no pod template`);
  return spec;
}

function onlyContainer(workload: IDeployment | IJob): IContainer {
  const containers = podSpec(workload).containers;
  expect({ workload: workload.metadata?.name, containers: containers.length }).toEqual({
    workload: workload.metadata?.name,
    containers: 1,
  });
  return containers[0];
}

function containerPort(container: IContainer, port: number | string | undefined): number | null {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort ?? null;
}

function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

const matchesLabels = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

function cpuCores(quantity: string | number): number {
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

function bytes(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!match) return NaN;
  const unit: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(match[1]) * (match[2] ? unit[match[2]] : 1);
}

function secretData(secret: KubeObject): Record<string, string> {
  const data = (secret.data ?? {}) as Record<string, string>;
  const stringData = (secret.stringData ?? {}) as Record<string, string>;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return { ...decoded, ...stringData };
}

/**
 * The environment a container starts with, from its `env` and the ConfigMaps and Secrets of the
 * same build; every reference has to resolve.
 */
function resolveEnv(
  container: IContainer,
  objects: KubeObject[],
): { env: Record<string, string>; fromSecrets: Set<string>; problems: string[] } {
  const env: Record<string, string> = {};
  const fromSecrets = new Set<string>();
  const problems: string[] = [];
  if (container.envFrom) problems.push('envFrom: list each variable in env instead');
  for (const entry of container.env ?? []) {
    if (entry.name in env) problems.push(`${entry.name} is set twice`);
    if (entry.value !== undefined) {
      env[entry.name] = entry.value;
      continue;
    }
    const cm = entry.valueFrom?.configMapKeyRef;
    const sk = entry.valueFrom?.secretKeyRef;
    const source = cm
      ? { kind: 'ConfigMap', ref: cm }
      : sk
        ? { kind: 'Secret', ref: sk }
        : undefined;
    if (!source) {
      problems.push(`${entry.name}: only value, configMapKeyRef and secretKeyRef are used`);
      continue;
    }
    const holder = find<KubeObject>(objects, source.kind, source.ref.name ?? '');
    const data =
      holder && (source.kind === 'Secret' ? secretData(holder) : (holder.data as Env | undefined));
    const value = data?.[source.ref.key];
    if (value === undefined) {
      if (!source.ref.optional) {
        problems.push(
          `${entry.name}: ${source.kind} ${source.ref.name} has no key ${source.ref.key}`,
        );
      }
      continue;
    }
    env[entry.name] = value;
    if (source.kind === 'Secret') fromSecrets.add(entry.name);
  }
  return { env, fromSecrets, problems };
}

const PLACEHOLDER = 'REPLACE_ME';
/** Stands in for the secrets' placeholder, which is too short on purpose. */
const TEST_SECRET = 'test-secret-of-at-least-32-characters-long';
/** The secrets a service refuses to start with while they hold the placeholder. */
const GUARDED_SECRETS = [
  'INTERNAL_IDENTITY_SECRET',
  'FULFILLMENT_WEBHOOK_SECRET',
  'PAYMENTS_WEBHOOK_SECRET',
];

/**
 * Runs a service's config loaders on `env` alone and returns the variables they read. Fails with
 * the loader's own message when a required setting is missing or a value is refused.
 */
function loadWith(loaders: ((source: Env) => unknown)[], env: Env): Set<string> {
  const read = new Set<string>();
  const source = new Proxy(
    {
      ...env,
      ...Object.fromEntries(
        GUARDED_SECRETS.filter((name) => env[name] === PLACEHOLDER).map((name) => [
          name,
          TEST_SECRET,
        ]),
      ),
    },
    {
      get(target: Env, key) {
        if (typeof key === 'string') read.add(key);
        return typeof key === 'string' ? target[key] : undefined;
      },
    },
  );
  for (const load of loaders) load(source);
  return read;
}

/** Problems with the variables a workload sets for `loaders`. */
function envProblems(loaders: ((source: Env) => unknown)[], env: Env): string[] {
  let read: Set<string>;
  try {
    read = loadWith(loaders, env);
  } catch (error) {
    return [`the service would not start: ${(error as Error).message}`];
  }
  const unread = Object.keys(env)
    .filter((name) => !read.has(name) && !(name in readOutsideConfig) && !(name in aheadOfCode))
    .map((name) => `${name} is set, but the service does not read it`);
  // Another subgraph's URL defaults to its port on localhost, which is wrong anywhere deployed.
  const unset = [...read]
    .filter((name) => name.endsWith('_SUBGRAPH_URL') && env[name] === undefined)
    .map((name) => `${name} is read but not set: it would be localhost`);
  return [...unread, ...unset];
}

// ---------------------------------------------------------------------------------------------

describe('the kustomize build of these tests', () => {
  let root: string;
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  };
  const header = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
  const configMap =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  A: base\n  B: base\n';
  const deployment = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: app',
    'spec:',
    '  selector: { matchLabels: { app: app } }',
    '  template:',
    '    metadata: { labels: { app: app } }',
    '    spec:',
    '      containers: [{ name: app, image: "registry:5000/app:1" }]',
    '',
  ].join('\n');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kustomize-'));
    write({
      'base/kustomization.yaml': `${header}namespace: shop\nresources: [settings.yaml, app.yaml]\n`,
      'base/settings.yaml': configMap,
      'base/app.yaml': deployment,
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('applies generators, JSON 6902 patches, the namespace and images, as kustomize does', () => {
    write({
      'prod/kustomization.yaml': [
        header + 'namespace: shop-prod',
        'resources: [../base]',
        'images: [{ name: "registry:5000/app", newName: ecr/app, newTag: "2" }]',
        'configMapGenerator:',
        '  - { name: settings, behavior: merge, options: { disableNameSuffixHash: true }, literals: [B=prod, C="quoted"] }',
        'secretGenerator:',
        '  - { name: creds, options: { disableNameSuffixHash: true }, envs: [creds.env] }',
        'patches:',
        '  - target: { kind: Deployment, name: app }',
        '    patch: "[{ op: add, path: /spec/replicas, value: 2 }]"',
        '',
      ].join('\n'),
      'prod/creds.env': '# a comment\n\nTOKEN=s3cr=t\n',
    });
    const objects = kustomizeBuild(join(root, 'prod'));
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['ConfigMap', 'shop-prod', 'settings'],
      ['Deployment', 'shop-prod', 'app'],
      ['Secret', 'shop-prod', 'creds'],
    ]);
    expect(objects[0].data).toEqual({ A: 'base', B: 'prod', C: 'quoted' });
    expect(objects[1]).toMatchObject({
      spec: { replicas: 2, template: { spec: { containers: [{ image: 'ecr/app:2' }] } } },
    });
    expect(objects[2].data).toEqual({ TOKEN: Buffer.from('s3cr=t').toString('base64') });
  });

  it.each([
    ['a field it does not implement', 'namePrefix: x-\n', /namePrefix.*not supported/],
    [
      'a patch whose target matches nothing',
      'patches: [{ target: { kind: Deployment, name: ap }, patch: "[]" }]\n',
      /matches nothing/,
    ],
    [
      'a strategic merge patch',
      'patches: [{ target: { kind: Deployment }, patch: "spec: { replicas: 2 }" }]\n',
      /only JSON 6902/,
    ],
    [
      'a patch of a path that is not there',
      'patches: [{ target: { kind: Deployment }, patch: "[{ op: replace, path: /spec/replicas, value: 2 }]" }]\n',
      /replace/i,
    ],
    [
      'a generator with a name hash',
      'configMapGenerator: [{ name: x, literals: [a=b] }]\n',
      /disableNameSuffixHash/,
    ],
    [
      'merging into what does not exist',
      'configMapGenerator: [{ name: other, behavior: merge, options: { disableNameSuffixHash: true }, literals: [a=b] }]\n',
      /does not exist/,
    ],
    ['a file outside its directory', 'resources: [../base/app.yaml]\n', /outside/],
  ])('refuses %s', (_, body, message) => {
    write({
      'overlay/kustomization.yaml': `${header}${body.startsWith('resources') ? '' : 'resources: [../base]\n'}${body}`,
    });
    expect(() => kustomizeBuild(join(root, 'overlay'))).toThrow(KustomizeError);
    expect(() => kustomizeBuild(join(root, 'overlay'))).toThrow(message);
  });
});

describe('the Kubernetes manifests', () => {
  const base = build('base');
  const production = build('overlays', 'production');
  const productionReindex = build('overlays', 'production', 'search-reindex');
  const baseReindex = build('base', 'search-reindex');
  const builds: [string, KubeObject[]][] = [
    ['base', base],
    ['production', production],
    ['production search reindex', productionReindex],
    ['base search reindex', baseReindex],
  ];

  it('build and validate against the Kubernetes schema', () => {
    for (const [name, objects] of builds) {
      expect({ build: name, errors: schemaErrors(objects) }).toEqual({ build: name, errors: [] });
    }
  });

  it('have no unknown or misspelt fields', () => {
    const values: Typed[] = [];
    for (const [name, objects] of builds) {
      for (const object of objects) {
        const entry = modelOf(object);
        if (entry)
          values.push({ label: `${name}: ${label(object)}`, type: entry.type, value: object });
      }
    }
    expect(typeErrors(values)).toEqual([]);
  });

  it('put everything in the storefront namespace, which enforces the restricted pod profile', () => {
    for (const [, objects] of builds) {
      for (const o of objects.filter((o) => o.kind !== 'Namespace')) {
        expect({ object: label(o), namespace: o.metadata.namespace }).toEqual({
          object: label(o),
          namespace: NAMESPACE,
        });
      }
    }
    const namespace = find<KubeObject>(production, 'Namespace', NAMESPACE);
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('run one Deployment per service, and the search reindex only as a Job of its own', () => {
    for (const objects of [base, production]) {
      expect(
        deployments(objects)
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual(services.map((s) => s.name).sort());
      expect(jobs(objects)).toEqual([]);
    }
    for (const objects of [baseReindex, productionReindex]) {
      expect(objects.map(label)).toEqual(['Job search-reindex']);
    }
  });

  describe.each(services.map((s) => [s.name, s] as const))('%s', (_, service) => {
    for (const [buildName, objects] of [
      ['base', base],
      ['production', production],
    ] as const) {
      describe(`(${buildName})`, () => {
        const deployment = find<IDeployment>(objects, 'Deployment', service.name)!;
        const pod = () => podSpec(deployment);
        const container = () => onlyContainer(deployment);
        const podLabels = () => deployment.spec?.template.metadata?.labels ?? {};

        it('runs its entry point from the one image', () => {
          const c = container();
          expect(c.name).toBe(service.name);
          expect(c.command).toEqual(['node', service.entry]);
          const source = service.entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
          expect(existsSync(projectPath(source))).toBe(true);
          const images = new Set(deployments(objects).map((d) => onlyContainer(d).image));
          expect(images.size).toBe(1);
          if (buildName === 'production') {
            expect(c.image).toMatch(/^[^:@]+(?::(?!latest$)[\w.-]+|@sha256:[a-f0-9]{64})$/);
          }
        });

        it('listens on its port, serves metrics on its own, and is scraped there', () => {
          const c = container();
          expect(containerPort(c, 'http')).toBe(service.port);
          expect(envValue(c, 'PORT')).toBe(String(service.port));
          expect(containerPort(c, 'metrics')).toBe(METRICS_PORTS[service.name]);
          expect(envValue(c, 'METRICS_PORT')).toBe(String(METRICS_PORTS[service.name]));
          expect(deployment.spec?.template.metadata?.annotations).toMatchObject({
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(METRICS_PORTS[service.name]),
            'prometheus.io/path': '/metrics',
          });
        });

        it('is probed on /readyz and /healthz of its HTTP port', () => {
          const c = container();
          const probe = (p: IContainer['readinessProbe']) => ({
            path: p?.httpGet?.path,
            port: containerPort(c, p?.httpGet?.port),
          });
          expect(probe(c.readinessProbe)).toEqual({ path: '/readyz', port: service.port });
          expect(probe(c.livenessProbe)).toEqual({ path: '/healthz', port: service.port });
          expect(probe(c.startupProbe)).toEqual({ path: '/healthz', port: service.port });
          // A readiness check waits up to 2 s for each dependency (common/http.ts).
          expect(c.readinessProbe?.timeoutSeconds).toBeGreaterThan(2);
        });

        it('has resource requests within its limits, and a heap that fits', () => {
          const { requests = {}, limits = {} } = container().resources ?? {};
          for (const key of ['cpu', 'memory']) {
            expect({ key, request: key in requests, limit: key in limits }).toEqual({
              key,
              request: true,
              limit: true,
            });
          }
          expect(cpuCores(requests.cpu)).toBeLessThanOrEqual(cpuCores(limits.cpu));
          expect(bytes(requests.memory)).toBeLessThanOrEqual(bytes(limits.memory));
          const heap = /--max-old-space-size=(\d+)/.exec(
            envValue(container(), 'NODE_OPTIONS') ?? '',
          );
          expect(heap).not.toBeNull();
          expect(Number(heap![1]) * 2 ** 20).toBeLessThan(bytes(limits.memory) * 0.8);
        });

        it('runs as a non-root user on a read-only root filesystem', () => {
          const p = pod();
          expect(p.securityContext).toMatchObject({
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          });
          // The image's user is `node` by name, which the kubelet cannot check: give its uid.
          expect(p.securityContext?.runAsUser).toBeGreaterThan(0);
          const c = container();
          expect(c.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(c.securityContext?.privileged).not.toBe(true);
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          expect(p.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
          expect(p.automountServiceAccountToken).toBe(false);
          expect(p.enableServiceLinks).toBe(false);
          expect(find(objects, 'ServiceAccount', p.serviceAccountName ?? '')).toBeDefined();
        });

        it('stops routing before it stops, and has time to drain', () => {
          const sleep = container().lifecycle?.preStop?.exec?.command;
          expect(sleep?.[0]).toBe('sleep');
          const preStop = Number(sleep?.[1]);
          expect(preStop).toBeGreaterThanOrEqual(5);
          expect(pod().terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
            preStop + drainSeconds() + 5,
          );
        });

        it('has a ClusterIP Service on its HTTP port', () => {
          const svc = find<IService>(objects, 'Service', service.name);
          expect(svc?.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
          const selector = svc?.spec?.selector ?? {};
          expect(matchesLabels(selector, podLabels())).toBe(true);
          for (const other of deployments(objects).filter((d) => d !== deployment)) {
            expect(matchesLabels(selector, other.spec?.template.metadata?.labels)).toBe(false);
          }
          const port = svc?.spec?.ports?.[0];
          expect(port?.port).toBe(service.port);
          expect(containerPort(container(), port?.targetPort)).toBe(service.port);
        });

        it('is scaled by a CPU HorizontalPodAutoscaler and leaves the count to it', () => {
          const hpa = find<IHorizontalPodAutoscaler>(
            objects,
            'HorizontalPodAutoscaler',
            service.name,
          );
          expect(hpa?.apiVersion).toBe('autoscaling/v2');
          expect(hpa?.spec?.scaleTargetRef).toEqual({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: service.name,
          });
          expect(hpa?.spec?.metrics).toContainEqual(
            expect.objectContaining({
              type: 'Resource',
              resource: expect.objectContaining({
                name: 'cpu',
                target: expect.objectContaining({ type: 'Utilization' }),
              }),
            }),
          );
          expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2);
          expect(hpa!.spec!.maxReplicas).toBeGreaterThan(hpa!.spec!.minReplicas!);
          expect(deployment.spec?.replicas).toBeUndefined();
        });

        it('has a PodDisruptionBudget that still lets nodes drain', () => {
          const pdb = find<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', service.name);
          expect(matchesLabels(pdb?.spec?.selector?.matchLabels ?? {}, podLabels())).toBe(true);
          const hpa = find<IHorizontalPodAutoscaler>(
            objects,
            'HorizontalPodAutoscaler',
            service.name,
          );
          const { maxUnavailable, minAvailable } = pdb?.spec ?? {};
          if (maxUnavailable !== undefined)
            expect(Number(maxUnavailable)).toBeGreaterThanOrEqual(1);
          else expect(Number(minAvailable)).toBeLessThan(hpa?.spec?.minReplicas ?? 1);
        });

        it('sets exactly the settings its config reads, and they load', () => {
          const { env, problems } = resolveEnv(container(), objects);
          expect({ problems: [...problems, ...envProblems(service.loaders, env)] }).toEqual({
            problems: [],
          });
        });

        it('finds the other subgraphs at their Services', () => {
          for (const [name, value] of Object.entries(resolveEnv(container(), objects).env)) {
            const match = /^([A-Z]+)_SUBGRAPH_URL$/.exec(name);
            if (!match) continue;
            const target = match[1].toLowerCase();
            const port = find<IService>(objects, 'Service', target)?.spec?.ports?.[0]?.port;
            expect({ name, value }).toEqual({ name, value: `http://${target}:${port}/graphql` });
          }
        });
      });
    }
  });

  it('call every config loader each service starts with', () => {
    for (const s of [...services, reindex]) {
      const called = [
        ...readFileSync(projectPath(s.main), 'utf8').matchAll(/\b(load\w*Config)\(/g),
      ].map((m) => m[1]);
      expect({ service: s.name, loaders: [...new Set(called)].sort() }).toEqual({
        service: s.name,
        loaders: s.loaders.map((l) => l.name).sort(),
      });
    }
  });

  it('say who reads the variables no config.ts reads, and move them once one does', () => {
    const logger = readFileSync(projectPath('common', 'logger.ts'), 'utf8');
    expect(logger).toContain('process.env.LOG_LEVEL');
    const workloads = [
      ...services.map((s) => ({
        service: s,
        container: onlyContainer(find<IDeployment>(production, 'Deployment', s.name)!),
      })),
      { service: reindex, container: onlyContainer(jobs(productionReindex)[0]) },
    ];
    for (const { service, container } of workloads) {
      const read = loadWith(service.loaders, resolveEnv(container, production).env);
      for (const name of Object.keys({ ...readOutsideConfig, ...aheadOfCode })) {
        expect({ name, service: service.name, readByConfig: read.has(name) }).toEqual({
          name,
          service: service.name,
          readByConfig: false,
        });
      }
    }
  });

  it('stop a service that still has the placeholder identity secret', () => {
    const { env } = resolveEnv(
      onlyContainer(find<IDeployment>(production, 'Deployment', 'gateway')!),
      production,
    );
    expect(env.INTERNAL_IDENTITY_SECRET).toBe(PLACEHOLDER);
    let error: unknown;
    try {
      loadGatewayConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('INTERNAL_IDENTITY_SECRET');
  });

  it('stop the order service while a webhook secret is the placeholder anyone could sign with', () => {
    const { env } = resolveEnv(
      onlyContainer(find<IDeployment>(production, 'Deployment', 'order')!),
      production,
    );
    expect(env.FULFILLMENT_WEBHOOK_SECRET).toBe(PLACEHOLDER);
    let error: unknown;
    try {
      loadOrderConfig({ ...env, INTERNAL_IDENTITY_SECRET: TEST_SECRET });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toMatch(/_WEBHOOK_SECRET$/);
  });

  it('commit placeholders only, and the same Secret keys in the base and production', () => {
    for (const objects of [base, production]) {
      const secret = find<KubeObject>(objects, 'Secret', 'storefront-secrets')!;
      for (const [key, value] of Object.entries(secretData(secret))) {
        expect({ key, placeholder: value.includes(PLACEHOLDER) }).toEqual({
          key,
          placeholder: true,
        });
      }
    }
    const keys = (objects: KubeObject[]) =>
      Object.keys(secretData(find<KubeObject>(objects, 'Secret', 'storefront-secrets')!)).sort();
    expect(keys(production)).toEqual(keys(base));
    expect(readFileSync(deployPath('overlays', 'production', '.gitignore'), 'utf8')).toMatch(
      /^secrets\.env$/m,
    );
  });

  it('use every ConfigMap key', () => {
    for (const [objects, extra] of [
      [base, baseReindex],
      [production, productionReindex],
    ]) {
      const used = new Set<string>();
      for (const workload of [...deployments(objects), ...jobs(extra)]) {
        for (const entry of onlyContainer(workload).env ?? []) {
          const key = entry.valueFrom?.configMapKeyRef?.key;
          if (key) used.add(key);
        }
      }
      const config = find<KubeObject>(objects, 'ConfigMap', 'storefront-config')!;
      expect(Object.keys(config.data as Env).filter((k) => !used.has(k))).toEqual([]);
    }
  });

  it('expose only the gateway, through the Ingress of the production overlay', () => {
    expect(base.filter((o) => o.kind === 'Ingress')).toEqual([]);
    for (const objects of [base, production]) {
      for (const svc of objects.filter((o) => o.kind === 'Service') as unknown as IService[]) {
        expect(svc.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
      }
    }
    const ingresses = production.filter((o) => o.kind === 'Ingress') as unknown as IIngress[];
    expect(ingresses).toHaveLength(1);
    const backends = (ingresses[0].spec?.rules ?? []).flatMap((r) =>
      (r.http?.paths ?? []).map((p) => p.backend.service),
    );
    expect(backends.length).toBeGreaterThan(0);
    const gatewayService = find<IService>(production, 'Service', 'gateway');
    for (const backend of backends) {
      expect(backend?.name).toBe('gateway');
      expect(gatewayService?.spec?.ports?.map((p) => p.name)).toContain(backend?.port?.name);
    }
  });

  it('let in only what the network policies allow, on ports the pods have', () => {
    for (const objects of [base, production]) {
      const policies = objects.filter(
        (o) => o.kind === 'NetworkPolicy',
      ) as unknown as INetworkPolicy[];
      expect(
        policies.some(
          (p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && !p.spec?.ingress,
        ),
      ).toBe(true);
      for (const policy of policies) {
        const selected = deployments(objects).filter((d) =>
          Object.keys(policy.spec?.podSelector?.matchLabels ?? {}).length === 0
            ? true
            : matchesLabels(
                policy.spec?.podSelector?.matchLabels ?? {},
                d.spec?.template.metadata?.labels,
              ),
        );
        for (const rule of policy.spec?.ingress ?? []) {
          for (const port of rule.ports ?? []) {
            for (const d of selected) {
              expect({
                policy: policy.metadata?.name,
                pod: d.metadata.name,
                port: containerPort(onlyContainer(d), port.port),
              }).not.toEqual({ policy: policy.metadata?.name, pod: d.metadata.name, port: null });
            }
          }
        }
      }
      // The gateway reaches every subgraph's HTTP port.
      const gatewayLabels = find<IDeployment>(objects, 'Deployment', 'gateway')!.spec?.template
        .metadata?.labels;
      for (const d of deployments(objects).filter((d) => d.metadata.name !== 'gateway')) {
        const allowed = policies.some(
          (p) =>
            matchesLabels(
              p.spec?.podSelector?.matchLabels ?? {},
              d.spec?.template.metadata?.labels,
            ) &&
            (p.spec?.ingress ?? []).some(
              (rule) =>
                (rule.ports ?? []).some(
                  (port) =>
                    containerPort(onlyContainer(d), port.port) ===
                    containerPort(onlyContainer(d), 'http'),
                ) &&
                (rule.from ?? []).some((peer) =>
                  matchesLabels(peer.podSelector?.matchLabels ?? {}, gatewayLabels),
                ),
            ),
        );
        expect({ subgraph: d.metadata.name, reachableFromGateway: allowed }).toEqual({
          subgraph: d.metadata.name,
          reachableFromGateway: true,
        });
      }
    }
  });

  describe('search reindex Job', () => {
    const job = () => jobs(productionReindex)[0];

    it('runs the reindex once, with the image of the production search service', () => {
      const c = onlyContainer(job());
      expect(c.command).toEqual(['node', reindex.entry]);
      expect(existsSync(projectPath(reindex.main))).toBe(true);
      expect(podSpec(job()).restartPolicy).toBe('Never');
      expect(job().spec?.backoffLimit).toBeGreaterThanOrEqual(0);
      expect(job().spec?.activeDeadlineSeconds).toBeGreaterThan(0);
      const search = onlyContainer(find<IDeployment>(production, 'Deployment', 'search')!);
      expect(c.image).toBe(search.image);
      expect(onlyContainer(jobs(baseReindex)[0]).image).toBe(
        onlyContainer(find<IDeployment>(base, 'Deployment', 'search')!).image,
      );
    });

    it("loads the search service's settings from the production ConfigMap and Secret", () => {
      const { env, problems } = resolveEnv(onlyContainer(job()), production);
      expect({ problems: [...problems, ...envProblems(reindex.loaders, env)] }).toEqual({
        problems: [],
      });
    });

    it('runs as a non-root user on a read-only root filesystem', () => {
      expect(podSpec(job()).securityContext).toMatchObject({ runAsNonRoot: true });
      expect(podSpec(job()).securityContext?.runAsUser).toBeGreaterThan(0);
      expect(onlyContainer(job()).securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(
        find(production, 'ServiceAccount', podSpec(job()).serviceAccountName ?? ''),
      ).toBeDefined();
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** Fargate's CPU units and the memory (MiB) each allows. */
function fargateMemory(cpu: string): number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  const sizes: Record<string, number[]> = {
    '256': [512, 1024, 2048],
    '512': range(1024, 4096, 1024),
    '1024': range(2048, 8192, 1024),
    '2048': range(4096, 16384, 1024),
    '4096': range(8192, 30720, 1024),
    '8192': range(16384, 61440, 4096),
    '16384': range(32768, 122880, 8192),
  };
  return sizes[cpu] ?? [];
}

const SECRET_ARN =
  /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+|ssm:[a-z0-9-]+:\d{12}:parameter\/[\w/.-]+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

describe('the ECS task definitions', () => {
  const production = build('overlays', 'production');
  const productionReindex = build('overlays', 'production', 'search-reindex');
  const workloads = [
    ...services.map((s) => ({
      service: s,
      file: `${s.name}.json`,
      kubernetes: onlyContainer(find<IDeployment>(production, 'Deployment', s.name)!),
      job: false,
    })),
    {
      service: reindex,
      file: 'search-reindex.json',
      kubernetes: onlyContainer(jobs(productionReindex)[0]),
      job: true,
    },
  ];
  const taskDefinition = (file: string) =>
    readJson(deployPath('ecs', file)) as RegisterTaskDefinitionCommandInput;

  it('are one per service and one for the search reindex', () => {
    expect(
      readdirSync(deployPath('ecs'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(workloads.map((w) => w.file).sort());
  });

  it('are RegisterTaskDefinition inputs, field for field', () => {
    expect(
      typeErrors(
        workloads.map((w) => ({
          label: w.file,
          type: `import('@aws-sdk/client-ecs').RegisterTaskDefinitionCommandInput`,
          value: taskDefinition(w.file),
        })),
      ),
    ).toEqual([]);
  });

  describe.each(workloads.map((w) => [w.file, w] as const))('%s', (file, w) => {
    const task = taskDefinition(file);
    const container = () => {
      expect(task.containerDefinitions).toHaveLength(1);
      return task.containerDefinitions![0];
    };

    it('runs on Fargate in awsvpc mode, in a size Fargate offers', () => {
      expect(task.family).toBe(`storefront-${w.service.name}`);
      expect(task.networkMode).toBe('awsvpc');
      expect(task.requiresCompatibilities).toEqual(['FARGATE']);
      expect(fargateMemory(task.cpu ?? '')).toContain(Number(task.memory));
      expect(task.executionRoleArn).toMatch(ROLE_ARN);
      expect(task.taskRoleArn).toMatch(ROLE_ARN);
      expect(task.runtimePlatform?.operatingSystemFamily).toBe('LINUX');
    });

    it('runs the same image and command as in Kubernetes', () => {
      const c = container();
      expect(c.name).toBe(w.service.name);
      expect(c.essential).toBe(true);
      expect(c.image).toBe(w.kubernetes.image);
      expect(c.command).toEqual(['node', w.service.entry]);
    });

    it('runs as a non-root user on a read-only root filesystem', () => {
      const c = container();
      expect(c.user).toMatch(/^[1-9]\d*(:\d+)?$/);
      expect(c.readonlyRootFilesystem).toBe(true);
      expect(c.linuxParameters?.capabilities?.drop).toEqual(['ALL']);
      const tmp = c.mountPoints?.find((m) => m.containerPath === '/tmp');
      expect(task.volumes?.map((v) => v.name)).toContain(tmp?.sourceVolume);
      // ECS sends SIGTERM once the load balancer has drained the task, and SIGKILL after this.
      expect(c.stopTimeout).toBeGreaterThanOrEqual(drainSeconds() + 5);
      expect(c.stopTimeout).toBeLessThanOrEqual(120);
    });

    it('logs to CloudWatch Logs', () => {
      const logs = container().logConfiguration;
      expect(logs?.logDriver).toBe('awslogs');
      expect(Object.keys(logs?.options ?? {})).toEqual(
        expect.arrayContaining(['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']),
      );
    });

    it('takes credentials from Secrets Manager or SSM, as Kubernetes takes them from its Secret', () => {
      const c = container();
      for (const secret of c.secrets ?? []) expect(secret.valueFrom).toMatch(SECRET_ARN);
      const { fromSecrets } = resolveEnv(w.kubernetes, production);
      expect((c.secrets ?? []).map((s) => s.name).sort()).toEqual([...fromSecrets].sort());
    });

    it('sets the variables Kubernetes sets, and they load', () => {
      const c = container();
      const kubernetes = resolveEnv(w.kubernetes, production).env;
      const env: Env = {};
      for (const e of c.environment ?? []) env[e.name!] = e.value;
      // A secret's value is not in the file: the Kubernetes placeholder stands in for it.
      for (const s of c.secrets ?? []) env[s.name!] = kubernetes[s.name!];
      expect(Object.keys(env).sort()).toEqual(Object.keys(kubernetes).sort());
      expect({ problems: envProblems(w.service.loaders, env) }).toEqual({ problems: [] });
    });

    if (!w.job) {
      const port = services.find((s) => s.name === w.service.name)!.port;
      const metrics = METRICS_PORTS[w.service.name];

      it('listens on its port and serves metrics on its own, labelled for the CloudWatch agent', () => {
        const c = container();
        const mapping = (name: string) => c.portMappings?.find((p) => p.name === name);
        expect(mapping('http')).toMatchObject({ containerPort: port, protocol: 'tcp' });
        expect(mapping('metrics')).toMatchObject({ containerPort: metrics, protocol: 'tcp' });
        const env = Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
        expect(env.PORT).toBe(String(port));
        expect(env.METRICS_PORT).toBe(String(metrics));
        expect(c.dockerLabels).toMatchObject({
          ECS_PROMETHEUS_EXPORTER_PORT: String(metrics),
          ECS_PROMETHEUS_METRICS_PATH: '/metrics',
        });
      });

      it('is health-checked on /healthz of its port', () => {
        const check = container().healthCheck;
        expect(check?.command?.[0]).toBe('CMD');
        expect(check?.command?.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
        // The ranges ECS accepts.
        expect(check?.interval).toBeGreaterThanOrEqual(5);
        expect(check?.interval).toBeLessThanOrEqual(300);
        expect(check?.timeout).toBeGreaterThanOrEqual(2);
        expect(check?.timeout).toBeLessThanOrEqual(60);
        expect(check?.retries).toBeGreaterThanOrEqual(1);
        expect(check?.retries).toBeLessThanOrEqual(10);
        expect(check?.startPeriod).toBeLessThanOrEqual(300);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface MetricSpec {
  unit: string;
  dimensionSets: string[][];
  publisher: string;
}

/** The metrics table of deploy/README.md: the names the metrics code publishes. */
function metricContract(): {
  namespace: string | undefined;
  metrics: Map<string, MetricSpec>;
  statuses: string[];
  alarms: string[];
} {
  const readme = readFileSync(deployPath('README.md'), 'utf8');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const rows = readme
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map(cells);
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const metrics = new Map<string, MetricSpec>();
  for (const row of rows) {
    const [name] = ticks(row[0] ?? '');
    if (row.length !== 6 || !name || !/^[a-z]+_[a-z_]+$/.test(name)) continue;
    metrics.set(name, {
      unit: row[1],
      dimensionSets: ticks(row[3]).map((set) => set.split(',').map((d) => d.trim())),
      publisher: row[4],
    });
  }
  const statusRow = rows.find((r) => r[0] === '`status`');
  return {
    namespace: /CloudWatch namespace `([^`]+)`/.exec(readme)?.[1],
    metrics,
    statuses: statusRow ? ticks(statusRow[1]) : [],
    alarms: rows
      .map((r) => ticks(r[0] ?? '')[0])
      .filter((n): n is string => /^storefront-/.test(n ?? '')),
  };
}

interface MetricUse {
  where: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** What is wrong with one use of a metric, by the contract. */
function metricProblems(
  use: MetricUse,
  contract: ReturnType<typeof metricContract>,
  operations: Set<string>,
): string[] {
  const spec = contract.metrics.get(use.name);
  const problems: string[] = [];
  if (use.namespace !== contract.namespace) problems.push(`namespace ${use.namespace}`);
  if (!spec) return [...problems, `${use.name} is not in deploy/README.md`];
  const names = Object.keys(use.dimensions).sort().join(', ');
  if (!spec.dimensionSets.some((set) => [...set].sort().join(', ') === names)) {
    problems.push(`${use.name} is not published with the dimensions [${names}]`);
  }
  // A dashboard's SEARCH leaves a dimension open ('*'): only its name is checked.
  const fixed = (name: string) =>
    use.dimensions[name] !== undefined && use.dimensions[name] !== '*';
  if (fixed('service') && use.dimensions.service !== spec.publisher) {
    problems.push(`${use.name} comes from ${spec.publisher}, not ${use.dimensions.service}`);
  }
  if (fixed('status') && !contract.statuses.includes(use.dimensions.status)) {
    problems.push(`status ${use.dimensions.status} is not one of ${contract.statuses.join(', ')}`);
  }
  if (fixed('operation') && !operations.has(use.dimensions.operation)) {
    problems.push(`there is no operation ${use.dimensions.operation} in schema/operations`);
  }
  return problems.map((p) => `${use.where}: ${p}`);
}

/** Metric ids an expression uses (`m1`, `total`), leaving out its functions and SEARCH strings. */
function expressionIds(expression: string): string[] {
  const bare = expression.replace(/'[^']*'/g, '');
  return [...bare.matchAll(/\b([a-z][A-Za-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]);
}

interface CfnTemplate {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; AllowedPattern?: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** CloudFormation's `{ Ref: name }` replaced by a value its parameter allows. */
function resolveRefs(value: unknown, parameters: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, parameters));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'Ref') {
    const name = String(entries[0][1]);
    if (!(name in parameters)) throw new Error(`Ref to ${name}, which is not a parameter`);
    return parameters[name];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveRefs(v, parameters)]));
}

describe('the CloudWatch alarms and dashboard', () => {
  const contract = metricContract();
  const operations = operationNames();
  const template = readJson(deployPath('cloudwatch', 'alarms.json')) as CfnTemplate;
  const topic = 'arn:aws:sns:us-east-1:123456789012:storefront-alarms';
  const alarms = Object.entries(template.Resources).map(([id, r]) => ({
    id,
    type: r.Type,
    raw: r.Properties,
    input: resolveRefs(r.Properties, { AlarmTopicArn: topic }) as PutMetricAlarmCommandInput,
  }));
  const alarmMetrics = (alarm: PutMetricAlarmCommandInput, where: string): MetricUse[] => {
    const dims = (list: { Name?: string; Value?: string }[] = []) =>
      Object.fromEntries(list.map((d) => [d.Name ?? '', d.Value ?? '']));
    if (alarm.MetricName) {
      return [
        {
          where,
          namespace: alarm.Namespace ?? '',
          name: alarm.MetricName,
          dimensions: dims(alarm.Dimensions),
        },
      ];
    }
    return (alarm.Metrics ?? []).flatMap((m) =>
      m.MetricStat?.Metric
        ? [
            {
              where: `${where} ${m.Id}`,
              namespace: m.MetricStat.Metric.Namespace ?? '',
              name: m.MetricStat.Metric.MetricName ?? '',
              dimensions: dims(m.MetricStat.Metric.Dimensions),
            },
          ]
        : [],
    );
  };

  it('name a namespace and metrics in deploy/README.md', () => {
    expect(contract.namespace).toBe('Storefront');
    expect([...contract.metrics.keys()].sort()).toEqual([
      'gateway_rate_limited_total',
      'gateway_request_duration_seconds',
      'gateway_requests_total',
      'order_outbox_oldest_age_seconds',
      'search_indexer_lag_seconds',
    ]);
    for (const [name, spec] of contract.metrics) {
      expect({ name, publisher: services.some((s) => s.name === spec.publisher) }).toEqual({
        name,
        publisher: true,
      });
      expect({ name, sets: spec.dimensionSets.length > 0 }).toEqual({ name, sets: true });
    }
    expect(contract.statuses).toEqual(['ok', 'client_error', 'server_error']);
  });

  it('are a CloudFormation template of alarms that are PutMetricAlarm inputs, field for field', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(new RegExp(template.Parameters.AlarmTopicArn.AllowedPattern ?? '').test(topic)).toBe(
      true,
    );
    for (const alarm of alarms) expect(alarm.type).toBe('AWS::CloudWatch::Alarm');
    expect(
      typeErrors(
        alarms.map((a) => ({
          label: a.id,
          type: `import('@aws-sdk/client-cloudwatch').PutMetricAlarmCommandInput`,
          value: a.input,
        })),
      ),
    ).toEqual([]);
  });

  it('notify the topic, and each has a name of its own that deploy/README.md explains', () => {
    for (const { id, input } of alarms) {
      expect({ id, actions: input.AlarmActions, ok: input.OKActions }).toEqual({
        id,
        actions: [topic],
        ok: [topic],
      });
      expect(input.AlarmDescription).toBeTruthy();
    }
    const names = alarms.map((a) => a.input.AlarmName ?? '');
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...contract.alarms].sort());
  });

  it('watch only metrics of the contract, with their dimensions', () => {
    const problems = alarms.flatMap(({ id, input }) =>
      alarmMetrics(input, id).flatMap((use) => metricProblems(use, contract, operations)),
    );
    expect(problems).toEqual([]);
  });

  it('compute with metric math that refers to metrics they define', () => {
    for (const { id, input } of alarms.filter((a) => a.input.Metrics)) {
      const metrics = input.Metrics ?? [];
      const ids = new Set(metrics.map((m) => m.Id));
      const used = new Set<string>();
      for (const m of metrics.filter((m) => m.Expression)) {
        for (const ref of expressionIds(m.Expression!)) {
          expect({ id, ref, defined: ids.has(ref) }).toEqual({ id, ref, defined: true });
          used.add(ref);
        }
      }
      expect({ id, returned: metrics.filter((m) => m.ReturnData).length }).toEqual({
        id,
        returned: 1,
      });
      for (const m of metrics.filter((m) => !m.ReturnData)) {
        expect({ id, unused: m.Id, used: used.has(m.Id!) }).toEqual({
          id,
          unused: m.Id,
          used: true,
        });
      }
      expect(input.Period).toBeUndefined();
    }
  });

  it('cover errors, p99 latency by operation, the outbox, the indexer and 429s', () => {
    const uses = alarms.map((a) => ({ alarm: a.input, metrics: alarmMetrics(a.input, a.id) }));
    const watches = (test: (u: (typeof uses)[number]) => boolean) => uses.some(test);
    expect(
      watches((u) =>
        u.metrics.some(
          (m) => m.name === 'gateway_requests_total' && m.dimensions.status === 'server_error',
        ),
      ),
    ).toBe(true);
    const p99 = uses.filter(
      (u) =>
        u.alarm.ExtendedStatistic === 'p99' &&
        u.metrics[0]?.name === 'gateway_request_duration_seconds',
    );
    expect(p99.some((u) => u.metrics[0].dimensions.operation === undefined)).toBe(true);
    expect(
      p99.filter((u) => u.metrics[0].dimensions.operation !== undefined).length,
    ).toBeGreaterThanOrEqual(3);
    for (const name of ['order_outbox_oldest_age_seconds', 'search_indexer_lag_seconds']) {
      const gauge = uses.find((u) => u.metrics.some((m) => m.name === name));
      expect({ name, missing: gauge?.alarm.TreatMissingData }).toEqual({
        name,
        missing: 'breaching',
      });
    }
    expect(watches((u) => u.metrics.some((m) => m.name === 'gateway_rate_limited_total'))).toBe(
      true,
    );
  });

  describe('dashboard', () => {
    interface Widget {
      type: string;
      x: number;
      y: number;
      width: number;
      height: number;
      properties: { region?: string; title?: string; metrics?: unknown[][]; markdown?: string };
    }
    const dashboard = readJson(deployPath('cloudwatch', 'dashboard.json')) as { widgets: Widget[] };
    const metricWidgets = dashboard.widgets.filter((w) => w.type === 'metric');

    /** The metrics of a widget's rows: `[namespace, name, dim, value, …, options?]` or SEARCH. */
    function widgetUses(widget: Widget): { uses: MetricUse[]; problems: string[] } {
      const uses: MetricUse[] = [];
      const problems: string[] = [];
      const ids = new Set<string>();
      const expressions: string[] = [];
      for (const row of widget.properties.metrics ?? []) {
        const last = row[row.length - 1];
        const options =
          typeof last === 'object' && last !== null
            ? (last as { id?: string; expression?: string })
            : {};
        if (options.id) ids.add(options.id);
        if (options.expression) {
          expressions.push(options.expression);
          const search = /^SEARCH\('\{([^}]*)\}([^']*)'/.exec(options.expression);
          if (search) {
            const [namespace, ...dimensionNames] = search[1].split(',');
            const name = /MetricName="([^"]+)"/.exec(search[2])?.[1] ?? '';
            const fixed = Object.fromEntries(
              [...search[2].matchAll(/(\w+)="([^"]+)"/g)].map((m) => [m[1], m[2]]),
            );
            delete fixed.MetricName;
            const dimensions = Object.fromEntries(dimensionNames.map((d) => [d, fixed[d] ?? '*']));
            // A SEARCH matches every value of a dimension it does not fix ('*').
            uses.push({ where: widget.properties.title ?? '', namespace, name, dimensions });
          }
          continue;
        }
        const parts = row.filter((p) => typeof p === 'string') as string[];
        if (parts.length < 2 || parts.length % 2 !== 0) {
          problems.push(
            `${widget.properties.title}: a row is not [namespace, name, dimension, value, …]`,
          );
          continue;
        }
        const dimensions: Record<string, string> = {};
        for (let i = 2; i < parts.length; i += 2) dimensions[parts[i]] = parts[i + 1];
        uses.push({
          where: widget.properties.title ?? '',
          namespace: parts[0],
          name: parts[1],
          dimensions,
        });
      }
      for (const expression of expressions.filter((e) => !e.startsWith('SEARCH('))) {
        for (const ref of expressionIds(expression)) {
          if (!ids.has(ref)) problems.push(`${widget.properties.title}: ${ref} is not defined`);
        }
      }
      return { uses, problems };
    }

    it('shows only metrics of the contract, with their dimensions, in a region', () => {
      expect(metricWidgets.length).toBeGreaterThan(0);
      const problems = metricWidgets.flatMap((w) => {
        const { uses, problems } = widgetUses(w);
        return [
          ...problems,
          ...(w.properties.region ? [] : [`${w.properties.title}: no region`]),
          ...uses.flatMap((u) => metricProblems(u, contract, operations)),
        ];
      });
      expect(problems).toEqual([]);
    });

    it('shows every metric of the contract and every metric an alarm watches', () => {
      const shown = new Set(metricWidgets.flatMap((w) => widgetUses(w).uses.map((u) => u.name)));
      const watched = alarms.flatMap((a) => alarmMetrics(a.input, a.id).map((u) => u.name));
      for (const name of [...contract.metrics.keys(), ...watched]) {
        expect({ name, shown: shown.has(name) }).toEqual({ name, shown: true });
      }
    });

    it('lays widgets out on the 24-column grid without overlaps', () => {
      for (const w of dashboard.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (const [i, a] of dashboard.widgets.entries()) {
        for (const b of dashboard.widgets.slice(i + 1)) {
          const overlap =
            a.x < b.x + b.width &&
            b.x < a.x + a.width &&
            a.y < b.y + b.height &&
            b.y < a.y + a.height;
          expect({ a: a.properties.title, b: b.properties.title, overlap }).toEqual({
            a: a.properties.title,
            b: b.properties.title,
            overlap: false,
          });
        }
      }
    });
  });
});
