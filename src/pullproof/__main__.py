from pullproof.cli.main import main

main()
