"""Coalition value: what each member brings (Shapley values, leave-one-out, security-blocked members)."""
