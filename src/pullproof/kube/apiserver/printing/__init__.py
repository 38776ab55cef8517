"""Server-side printing: per-kind Table columns, the pod status column, ages."""
