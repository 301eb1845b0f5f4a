# Bash completion for tl's tools (tl-train, tl-eval, ...), installed once per tool name. The options
# and their choices are read from the tool's own --help, so the completion never falls behind it.
_tl_complete() {
  local current="${COMP_WORDS[COMP_CWORD]}" previous="${COMP_WORDS[COMP_CWORD-1]}" help line subcommands
  help=$("${COMP_WORDS[0]}" --help 2> /dev/null) || return
  # A tool with subcommands (tl-info): offer them first, then read the chosen one's --help.
  subcommands=$(sed -n '/^Subcommands:/,$p' <<< "$help" | awk 'NR > 1 && /^  [a-z]/ {print $1}')
  if [[ -n "$subcommands" ]]; then
    if [[ $COMP_CWORD -eq 1 ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$current")
      return
    fi
    help=$("${COMP_WORDS[0]}" "${COMP_WORDS[1]}" --help 2> /dev/null) || return
  fi
  # The option just before the cursor: its choices ({a,b,c} in --help), else file names.
  if [[ "$previous" == -* ]]; then
    line=$(grep -E -- "^  ([^ ]*,)?${previous}([ ,]|$)" <<< "$help" | head -n 1)
    # "--split TEXT:{train,val,test}=test": a value with choices; "--overwrite Excludes: ...": a flag.
    line="${line%% Excludes:*}"
    line="${line%% Needs:*}"
    if [[ -n "$line" && ! "$line" =~ \ (TEXT|INT|UINT|FLOAT) ]]; then
      : # a flag takes no value: complete the next option or file
    elif [[ "$line" =~ \{([^}]*)\} ]]; then
      mapfile -t COMPREPLY < <(compgen -W "${BASH_REMATCH[1]//,/ }" -- "$current")
      return
    elif [[ -n "$line" ]]; then
      mapfile -t COMPREPLY < <(compgen -f -- "$current")
      compopt -o filenames 2> /dev/null
      return
    fi
  fi
  if [[ "$current" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' <<< "$help" | tr -d ' ,' | sort -u)" -- "$current")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$current")
  compopt -o filenames 2> /dev/null
}
complete -F _tl_complete tl-train tl-eval tl-predict tl-export tl-sweep tl-dream tl-attack tl-report tl-info tl-shard
