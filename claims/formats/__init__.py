"""Import formats: each module turns the bytes of one kind of article into parsed claims."""
