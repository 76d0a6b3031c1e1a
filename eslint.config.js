import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'models/**', '.data/**', 'dev/elasticsearch/target/**', '.tap/**', 'coverage/**'] }),
  {
    rules: {
      // Adapters hold handlers of any job payload type; the port itself is typed.
      '@typescript-eslint/no-explicit-any': 'off',
      // TypeBox convention: a schema and its static type share one name.
      '@typescript-eslint/no-redeclare': 'off'
    }
  }
]
