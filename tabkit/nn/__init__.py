"""tabkit.nn"""
