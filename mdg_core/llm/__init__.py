"""Local language-model generation: GGUF model loading, schema inference, grammar-constrained mock data.

Nothing here imports llama_cpp at import time; ``model.load_model`` does, on first use.
"""
