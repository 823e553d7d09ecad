"""The Discord layer: the only code in the project that imports discord."""
