"""tabkit.forest"""
