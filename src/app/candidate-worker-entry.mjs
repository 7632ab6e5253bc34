// Worker bootstrap: registers tsx (Node 20 resolves a worker's entry before --import hooks run),
// then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./candidate-worker.ts');
