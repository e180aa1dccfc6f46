"""Stage 4, classifying: model bundles, classifier runtimes (TFLite / Keras), the "not a
sign" gate, the training set a bundle carries, typical hand shapes for pictures."""
