// Entry of the embedding worker thread: a thread does not inherit the process's TypeScript
// loader, so it registers tsx for itself before loading the thread's code.
import { register } from 'tsx/esm/api'

register()
await import('./embedding-thread.ts')
