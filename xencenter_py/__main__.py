from xencenter_py.cli import main

raise SystemExit(main())
