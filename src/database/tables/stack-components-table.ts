export interface StackComponentsTable {
  stack_id: string;
  component_id: string;
  /** Component type: at most one per stack. */
  type: string;
}
