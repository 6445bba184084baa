"""tabkit.pipeline"""
