/* placeholder: ckrun extensions */
