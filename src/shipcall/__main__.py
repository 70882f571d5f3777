from shipcall.cli.main import main

main()
