import type { VNode } from 'preact'
import { html as bound } from 'htm/preact'

/** Preact through tagged templates (htm bound to Preact's h): no JSX, so no compile step beyond esbuild's TypeScript strip. */
export const html = bound as (strings: TemplateStringsArray, ...values: unknown[]) => VNode
