"""Probes: measurements taken inside a generated model rather than at its output.

Modules: ``rank`` (the rank-collapse probe: effective rank, uncentred and centred, mean pairwise cosine
and Dong et al.'s residual ratio ||X - 1 x^T|| / ||X|| of the token representations after every layer),
``fit`` (a short training loop that hands the trained model back, so that it can be probed), ``plot``
(figures of rank profiles).

The first question they answer is the claim of "Geometric and Dynamic Scaling in Deep Transformers"
(Su & You, the Manifold-Geometric Transformer, arXiv 2601.01014): that additive residual stacks lose
rank past about a hundred layers, and that manifold-constrained hyper-connections (arXiv 2512.24880)
with deep delta learning (arXiv 2601.00417) keep it.

Importing this package does not import torch; the modules below do.
"""
