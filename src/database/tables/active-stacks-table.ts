export interface ActiveStacksTable {
  principal_id: string;
  stack_id: string;
}
