"""How people drive citysafe: the command line, the tabletop app and exercise sessions."""
