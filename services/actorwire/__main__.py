from actorwire.cli import main

main()
