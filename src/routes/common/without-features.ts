/** A result without its feature contributions (optional in every result schema): they are sent with explain=true only. */
export function withoutFeatures<T extends { features?: unknown }> (result: T): T {
  const { features: _features, ...plain } = result
  return plain as T
}
