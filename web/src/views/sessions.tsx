export function Sessions(): preact.JSX.Element | null {
  return null;
}
