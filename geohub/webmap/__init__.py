"""The citizens' web map at `/`: its page, configuration, texts and the files its scripts need."""
