package v2

// Hub marks v2 as the version every other version of the API converts through.
func (*HorizontalPodAutoscaler) Hub() {}
