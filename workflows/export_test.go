package workflows

// BaselineChange is the one change a run started now asks for.
const BaselineChange = baselineChange
