package ui

// pickerView is a picker of a form: a search box over customers or locations, the chosen id in
// a hidden input, and the chosen object's name.
type pickerView struct {
	Name, Label, Kind string // Kind: customers or locations
	ID, Chosen        string // the chosen id and its name ("" for none)
	Archived          bool   // the chosen object is archived
	Error             string
	None              string // what "nothing chosen" means ("No owner", "Not at a location")
}
