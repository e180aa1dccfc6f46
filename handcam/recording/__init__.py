"""Recording labelled samples of your own signs (the record panel and `handcam record`)."""
