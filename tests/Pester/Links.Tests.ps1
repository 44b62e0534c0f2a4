BeforeAll { . $PSScriptRoot/Common.ps1 }

# Symbolic links never carry a read, write, list or delete out of the folder they were given, and
# several sources never land on one destination (issue 12 items 1-5, issue 13 item 1).

Describe 'Links inside the local store' {
    BeforeEach {
        $script:outside = New-TestFolder 'links-outside'
        $script:store = New-TestFolder 'links-store'
        New-TestFile (Join-Path $outside 'victim.txt') -Size 10 | Out-Null
        New-TestFile (Join-Path $store 'data/own.txt') -Size 20 | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $store 'data/evil') -Target $outside | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $store 'data/deep/file-link.txt') -Target (Join-Path $outside 'victim.txt') -Force -ErrorAction SilentlyContinue | Out-Null
        if (-not (Test-Path (Join-Path $store 'data/deep/file-link.txt'))) {
            New-Item -ItemType Directory (Join-Path $store 'data/deep') -Force | Out-Null
            New-Item -ItemType SymbolicLink -Path (Join-Path $store 'data/deep/file-link.txt') -Target (Join-Path $outside 'victim.txt') | Out-Null
        }
        New-Item -ItemType SymbolicLink -Path (Join-Path $store 'data/inside.txt') -Target (Join-Path $store 'data/own.txt') | Out-Null
        Connect-BronzeStorage -Backend Local -Path $store
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'lists no file through a link that leaves the store, and a listing piped into a delete deletes nothing outside' {
        $keys = @(Get-BronzeFileList 'data/' | ForEach-Object Key | Sort-Object)
        $keys | Should -Be @('data/inside.txt', 'data/own.txt')
        Get-BronzeFileList 'data/' | Remove-BronzeFile -Confirm:$false
        Join-Path $outside 'victim.txt' | Should -Exist
    }

    It 'refuses to write, read or delete through a folder link or a file link that leaves the store (<_>)' -ForEach @('data/evil/x.txt', 'data/deep/file-link.txt', 'data/evil/victim.txt') {
        $key = $_
        $local = New-TestFile (Join-Path (New-TestFolder 'links-src') 'x.txt') -Size 5
        Send-BronzeFile $local.FullName $key -ErrorVariable sendErrors -ErrorAction SilentlyContinue | Out-Null
        $sendErrors[0].FullyQualifiedErrorId | Should -BeLike 'SendBronzeFile*,*'
        $sendErrors[0].Exception.Message | Should -BeLike '*outside the local store*'
        (Get-Item (Join-Path $outside 'victim.txt')).Length | Should -Be 10
        Test-Path (Join-Path $outside 'x.txt') | Should -BeFalse

        $dest = New-TestFolder 'links-get'
        Get-BronzeFile $key -Destination "$dest/" -ErrorVariable getErrors -ErrorAction SilentlyContinue | Out-Null
        $getErrors.Count | Should -BeGreaterThan 0
        @(Get-ChildItem $dest -Recurse -File).Count | Should -Be 0

        Remove-BronzeFile $key -Confirm:$false -ErrorAction SilentlyContinue
        Join-Path $outside 'victim.txt' | Should -Exist
    }

    It 'Copy-BronzeFile and Move-BronzeFile of the folder take only what is inside the store, and never move a file from outside' {
        Copy-BronzeFile -Path 'data/' -Recurse -Destination 'copy/' | Out-Null
        @(Get-BronzeFileList 'copy/' | ForEach-Object Key | Sort-Object) | Should -Be @('copy/inside.txt', 'copy/own.txt')
        Move-BronzeFile -Path 'data/evil/victim.txt' -Destination 'moved/victim.txt' -ErrorVariable moveErrors -ErrorAction SilentlyContinue | Out-Null
        $moveErrors.Count | Should -BeGreaterThan 0
        Remove-BronzeFile 'data/inside.txt' -Confirm:$false # a link to a sibling would dangle once that one moved, as with mv
        Move-BronzeFile -Path 'data/' -Recurse -Destination 'moved/' | Out-Null
        Test-Path (Join-Path $store 'moved/own.txt') | Should -BeTrue
        (Get-Item (Join-Path $outside 'victim.txt')).Length | Should -Be 10
        Test-Path (Join-Path $store 'moved/victim.txt') | Should -BeFalse
        Test-Path (Join-Path $store 'moved/evil') | Should -BeFalse
    }

    It 'the drive lists, copies and removes nothing through a link leaving the store' {
        Connect-BronzeStorage -Backend Local -Path $store -Name linked
        @(Get-ChildItem linked:/data -Recurse | Where-Object { -not $_.PSIsContainer } | ForEach-Object Key | Sort-Object) | Should -Be @('data/inside.txt', 'data/own.txt')
        Copy-Item linked:/data/evil/victim.txt linked:/stolen.txt -ErrorAction SilentlyContinue
        Test-Path (Join-Path $store 'stolen.txt') | Should -BeFalse
        Get-Content linked:/data/deep/file-link.txt -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Remove-Item linked:/data -Recurse -Confirm:$false -ErrorAction SilentlyContinue
        (Get-Item (Join-Path $outside 'victim.txt')).Length | Should -Be 10
    }
}

Describe 'Links in an upload tree' {
    BeforeAll {
        $script:outside = New-TestFolder 'tree-outside'
        New-TestFile (Join-Path $outside 'secret.txt') -Size 7 | Out-Null
        $script:src = New-TestFolder 'tree-src'
        New-TestFile (Join-Path $src 'a.txt') -Size 1 | Out-Null
        New-TestFile (Join-Path $src 'sub/b.txt') -Size 2 | Out-Null
        ln -s .. (Join-Path $src 'sub/loop')
        New-Item -ItemType SymbolicLink -Path (Join-Path $src 'loop2') -Target $src | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $src 'out.txt') -Target (Join-Path $outside 'secret.txt') | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $src 'outdir') -Target $outside | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $src ".a.txt.$([guid]::NewGuid().ToString('N')).mfpart"), [byte[]]::new(3)) # a killed download's leftover
    }
    BeforeEach { Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'tree-store') }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'uploads only the real files by default: no loop, nothing from outside, no temp file; links reported in verbose' {
        $verbose = Send-BronzeFile $src 'up/' -Recurse -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        @(Get-BronzeFileList 'up/' | ForEach-Object Key | Sort-Object) | Should -Be @('up/a.txt', 'up/sub/b.txt')
        ($verbose.Message -join "`n") | Should -BeLike '*loop*'
    }

    It 'never loops with -WhatIf either, and -FollowSymlink follows links out but still stops at loops' {
        Send-BronzeFile $src 'w/' -Recurse -WhatIf | Out-Null
        Send-BronzeFile $src 'f/' -Recurse -FollowSymlink | Out-Null
        $keys = @(Get-BronzeFileList 'f/' | ForEach-Object Key | Sort-Object)
        $keys | Should -Contain 'f/out.txt'
        $keys | Should -Contain 'f/outdir/secret.txt'
        $keys | Where-Object { $_ -like '*loop*' } | Should -BeNullOrEmpty
    }
}

Describe 'A link in a download destination' {
    It 'never writes through it to a folder outside the destination' {
        $store = New-TestFolder 'dl-store'
        New-TestFile (Join-Path $store 'evil/pwn.txt') -Size 4 | Out-Null
        $outside = New-TestFolder 'dl-outside'
        $dest = New-TestFolder 'dl-dest'
        New-Item -ItemType SymbolicLink -Path (Join-Path $dest 'evil') -Target $outside | Out-Null
        Connect-BronzeStorage -Backend Local -Path $store
        try {
            Get-BronzeFileList 'evil/' | Get-BronzeFile -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'GetBronzeFile*,*'
            $errs[0].Exception.Message | Should -BeLike "*through the link*"
            @(Get-ChildItem $outside -Force).Count | Should -Be 0
        }
        finally { Disconnect-BronzeStorage -All }
    }
}

Describe 'Several sources, one destination' {
    BeforeEach { Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'coll-store') }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'refuses the second of two local names that make one key (x\y.csv and x/y.csv): the first wins, the error names both' {
        $src = New-TestFolder 'coll'
        New-TestFile (Join-Path $src 'x/y.csv') -Size 11 | Out-Null
        [IO.File]::WriteAllBytes("$src/x\y.csv", [byte[]]::new(22)) # a legal file name on Linux
        $out = Send-BronzeFile $src 'c/' -Recurse -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'SendBronzeFileDestinationCollision,MedallionFoundry.Commands.SendBronzeFileCommand'
        $errs[0].Exception.Message | Should -BeLike "*x\y.csv*x/y.csv*"
        (Get-BronzeFileList 'c/').Count | Should -Be 1
    }

    It 'keeps each folder''s name when several folders or a wildcard are given with -Recurse' {
        $src = New-TestFolder 'parts'
        foreach ($d in 'dt=1', 'dt=2', 'dt=3') { New-TestFile (Join-Path $src "$d/part-0.csv") -Size 5 | Out-Null }
        Send-BronzeFile (Join-Path $src 'dt=*') 'thr/' -Recurse | Out-Null
        @(Get-BronzeFileList 'thr/' | ForEach-Object Key | Sort-Object) | Should -Be @('thr/dt=1/part-0.csv', 'thr/dt=2/part-0.csv', 'thr/dt=3/part-0.csv')
    }

    It 'keeps piped files'' layout below -BasePath, and refuses piped files that would land flat on one name' {
        $src = New-TestFolder 'extract'
        foreach ($d in 'a', 'b') { New-TestFile (Join-Path $src "$d/same.csv") -Size 5 | Out-Null }
        Get-ChildItem $src -Recurse -File | Send-BronzeFile -BasePath $src -Destination 'x/' | Out-Null
        @(Get-BronzeFileList 'x/' | ForEach-Object Key | Sort-Object) | Should -Be @('x/a/same.csv', 'x/b/same.csv')

        $out = Get-ChildItem $src -Recurse -File | Send-BronzeFile -Destination 'flat/' -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SendBronzeFileDestinationCollision,*'
    }

    It 'never writes one local file from two remote paths (r/a.csv and r\a.csv): the first wins, the error names both' {
        $store = New-TestFolder 'coll-dl-store'
        New-TestFile (Join-Path $store 'r/a.csv') -Size 5 | Out-Null
        [IO.File]::WriteAllBytes("$store/r\a.csv", [byte[]]::new(6)) # one file name on Linux
        Connect-BronzeStorage -Backend Local -Path $store
        $dest = New-TestFolder 'coll-dl'
        $out = Get-BronzeFileList | Get-BronzeFile -Destination $dest -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'GetBronzeFileDestinationCollision,MedallionFoundry.Commands.GetBronzeFileCommand'
        $errs[0].Exception.Message | Should -BeLike '*r\a.csv*r/a.csv*'
        Get-ChildItem $dest -Recurse -File | Should -HaveCount 1
    }
}
