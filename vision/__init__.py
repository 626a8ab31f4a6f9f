"""Reading water meters from photos: digit-wheel classifier and pointer-dial regressor (ONNX)."""
