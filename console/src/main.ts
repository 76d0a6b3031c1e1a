import { render } from 'preact'
import { html } from './html.ts'
import { App } from './app.ts'

const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(html`<${App} />`, root)
}
