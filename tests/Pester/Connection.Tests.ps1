BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'Connect-BronzeStorage' {
    AfterEach { Disconnect-BronzeStorage -All }

    It 'connects to a local folder from parameters and shows it' {
        $root = New-TestFolder 'connect'
        $info = Connect-BronzeStorage -Backend Local -Path $root -PassThru

        $info.Backend | Should -Be 'local'
        $info.Location | Should -Be $root
        $info.IsCurrent | Should -BeTrue
        (Get-BronzeStorage).Name | Should -Be 'default'
    }

    It 'connects from a platform YAML file with a path relative to the current location' {
        $root = New-TestFolder 'yaml'
        Set-Content (Join-Path $root 'platform.yaml') "platform:`n  bronze:`n    storage_backend: local`n    local_path: ./lake`n"
        Push-Location $root
        try { Connect-BronzeStorage -ConfigPath ./platform.yaml } finally { Pop-Location }

        $info = Get-BronzeStorage
        $info.Location | Should -Be (Join-Path $root 'lake')
        $info.ConfigFile | Should -Be (Join-Path $root 'platform.yaml')
    }

    It 'fails with an error naming the key for a bad config' {
        $root = New-TestFolder 'badyaml'
        $file = Join-Path $root 'platform.yaml'
        Set-Content $file "platform:`n  bronze:`n    storage_backend: local`n"

        $err = { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.Exception.Message | Should -BeLike "*'platform.bronze.local_path' is required*"
        $err.TargetObject | Should -Be 'platform.bronze.local_path'
    }

    It 'names an unknown backend and lists the available ones' {
        $err = { Connect-BronzeStorage -Backend Ftp -Path /tmp } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.Exception.Message | Should -BeLike "*'ftp'*Available backends:*local*"
    }

    It 'keeps several named connections; the last is current and -Connection picks one' {
        $a = New-TestFolder 'conn-a'; $b = New-TestFolder 'conn-b'
        Connect-BronzeStorage -Backend Local -Path $a -Name raw
        Connect-BronzeStorage -Backend Local -Path $b -Name curated
        New-TestFile (Join-Path $a 'only-in-a.bin') | Out-Null

        (Get-BronzeStorage).Name | Should -Be 'curated'
        (Get-BronzeStorage -All).Name | Should -Be @('curated', 'raw')
        (Get-BronzeFileList -Connection raw).Path | Should -Be 'only-in-a.bin'
        @(Get-BronzeFileList).Count | Should -Be 0
    }

    It 'stops transfer cmdlets with a terminating error when not connected' {
        $err = { Get-BronzeFileList } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'GetBronzeFileListNotConnected,MedallionFoundry.Commands.GetBronzeFileListCommand'
    }

    It 'names a connection that does not exist' {
        Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'named')
        $err = { Get-BronzeFileList -Connection nope } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'GetBronzeFileListConnectionNotFound,MedallionFoundry.Commands.GetBronzeFileListCommand'
    }

    It 'disconnects the current connection' {
        Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'disc')
        Disconnect-BronzeStorage
        { Get-BronzeStorage -ErrorAction Stop } | Should -Throw -ErrorId 'GetBronzeStorageNotConnected,MedallionFoundry.Commands.GetBronzeStorageCommand'
    }

    It 'after Disconnect the most recently connected or used remaining connection is current, then none (issue 13, item 6)' {
        Disconnect-BronzeStorage -All
        $root = New-TestFolder 'recent'
        foreach ($i in 1..6) { Connect-BronzeStorage -Backend Local -Path $root -Name "conn-$i" }
        Use-BronzeStorage conn-2
        Use-BronzeStorage conn-4 -PassThru | ForEach-Object Name | Should -Be 'conn-4'
        (Get-BronzeStorage -All | Where-Object IsCurrent).Name | Should -Be 'conn-4'
        (Get-BronzeStorage -All | Out-String -Width 200) | Should -Match 'conn-4\s+local\s+True'

        $order = foreach ($i in 1..6) {
            Disconnect-BronzeStorage
            $current = Get-BronzeStorage -ErrorAction SilentlyContinue
            if ($current) { $current.Name } else { '(none)' }
        }
        $order | Should -Be @('conn-2', 'conn-6', 'conn-5', 'conn-3', 'conn-1', '(none)')
    }

    It 'Use-BronzeStorage names a connection that is not open' {
        Use-BronzeStorage nope -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -Be 'UseBronzeStorageConnectionNotFound,MedallionFoundry.Commands.UseBronzeStorageCommand'
    }

    It 'completes -Backend with the registered backends' {
        $result = TabExpansion2 -inputScript 'Connect-BronzeStorage -Backend lo' -cursorColumn 33
        $result.CompletionMatches.CompletionText | Should -Contain 'local'
    }
}
