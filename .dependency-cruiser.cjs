/** Layer rules of DESIGN.md §3; `npm run check` fails on any violation. Type-only imports count. */
const layer = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      comment: 'core imports nothing outside src/core: no other layer, no npm package, no Node built-in',
      severity: 'error',
      from: { path: layer('core') },
      to: { pathNot: layer('core') },
    },
    {
      name: 'fix-codec-is-pure',
      comment: 'the FIX codec is bytes <-> messages; sockets live in gateways',
      severity: 'error',
      from: { path: layer('fix') },
      to: { path: [layer('gateways'), layer('replay'), layer('exporters'), layer('app'), layer('cli'), '^(node:)?(net|tls|dgram|http|https)$'] },
    },
    {
      name: 'replay-never-opens-sockets',
      severity: 'error',
      from: { path: layer('replay') },
      to: { path: [layer('gateways'), layer('app'), layer('cli'), layer('exporters'), '^(node:)?(net|tls|dgram|http|https)$', '^ws$', '^zeromq$'] },
    },
    {
      name: 'gateways-are-independent',
      severity: 'error',
      from: { path: '^src/gateways/([^/]+)/' },
      to: { path: '^src/gateways/', pathNot: '^src/gateways/$1/' },
    },
    {
      name: 'mappings-only-core',
      severity: 'error',
      from: { path: layer('mappings') },
      to: { path: [layer('fix'), layer('gateways'), layer('replay'), layer('exporters'), layer('telemetry'), layer('app'), layer('cli')] },
    },
    {
      name: 'exporters-only-core-and-telemetry',
      severity: 'error',
      from: { path: layer('exporters') },
      to: { path: [layer('fix'), layer('gateways'), layer('replay'), layer('mappings'), layer('app'), layer('cli')] },
    },
    {
      name: 'telemetry-is-a-leaf',
      severity: 'error',
      from: { path: layer('telemetry') },
      to: { path: '^src/', pathNot: [layer('telemetry'), layer('core')] },
    },
    {
      name: 'only-cli-imports-app',
      severity: 'error',
      from: { pathNot: [layer('app'), layer('cli')] },
      to: { path: layer('app') },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { pathNot: layer('cli') },
      to: { path: layer('cli') },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|scripts)/' },
  },
};
