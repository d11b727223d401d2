"""Deep Compression: the tool that makes model images from float networks.

Pruning and weight sharing (``deep``), training and retraining (``train``, ``pipeline``), data
sets, load-aware row assignment (``balance``), the model report with Huffman accounting
(``report``), evaluation reports and plots. It stands on the contract and the golden model."""
