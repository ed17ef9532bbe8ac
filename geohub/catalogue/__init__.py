"""The live layer catalogue: each worker swaps in the approved layers and everything made from them."""
