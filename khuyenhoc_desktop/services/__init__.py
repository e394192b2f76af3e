"""One module per use case. Plain values in, plain values out; errors are `UserError`s."""
