"""Stage 3, the one preprocessing shared by training and the app: landmarks -> the feature
vector a model reads (the hand-shape features), hand crops."""
